/* exec_data.c: jumping into writable data faults: data is not executable. */
static unsigned char ret_insn[] = {0xc3};

int main(void)
{
    void (*f)(void) = (void (*)(void))(void *)ret_insn;
    f();
    return 0;
}
