/* noop.c: the smallest unikernel: boot, run main, exit 0. */
int main(void)
{
    return 0;
}
