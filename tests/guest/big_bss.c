/* big_bss.c: an image with 8 MiB of zeroed data, too big for --mem=4M. */
static char big[8 << 20];

int main(void)
{
    big[sizeof(big) - 1] = 1;
    return big[0];
}
