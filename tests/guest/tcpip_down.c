/* tcpip_down.c: test guest: with the stack linked but no --ipv4, socket() says the network is down. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

int main(void)
{
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != ENETDOWN) {
        printf("tcpip_down: socket() did not fail with ENETDOWN\n");
        return 2;
    }
    perror("tcpip_down: socket");
    return 1;
}
