/* fleet.c: start N instances of one command template as fast as one process can, wait until each is ready (a line it prints, or an HTTP answer), report time, memory per instance and failures as JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "fleet.h"

extern char **environ;

static const char usage[] =
    "usage: fleet [OPTIONS] -- COMMAND [ARGS...]\n"
    "Start N instances of COMMAND ARGS; in each argument %i is the instance's\n"
    "number (from 0), %1..%9 the fields of its line of --table, %% a percent.\n"
    "  -n, --instances=N    how many (default: --table's lines, or 1)\n"
    "      --table=FILE     line i: instance i's values, separated by blanks\n"
    "      --ready=LINE     an instance is ready when it prints the line LINE\n"
    "      --http=ADDR:PORT ... when GET / at ADDR:PORT (a template) answers 200\n"
    "      --name=NAME      the JSON result's name (default fleet)\n"
    "      --timeout=SECS   wait at most SECS after the last start (default 120)\n"
    "      --min-avail-mib=M  start no more once MemAvailable is below M MiB\n"
    "      --max-failures=K   start no more once K instances failed (default 10)\n"
    "      --inflight=K     HTTP connections open at once (default 128)\n"
    "      --retry-us=US    the first connection's patience (default 1000),\n"
    "                       doubled per attempt up to 1024 times it\n"
    "      --kick=LINE      with --http: ask an instance once it prints LINE\n"
    "                       (or 5 s after its start), not from its start\n"
    "      --hold=SECS      once all are ready, leave them SECS seconds and\n"
    "                       report the CPU time they took meanwhile\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static struct {
    int n;
    char **table;        /* table[i * 9 + k]: field k+1 of line i */
    int table_lines;
    const char *ready, *http, *kick, *name;
    int timeout_s, max_failures, hold_s;
    long min_avail_mib;
    char **cmd;
} opt = { .name = "fleet", .timeout_s = 120, .max_failures = 10 };

static void table_read(const char *path, int *lines)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int n = 0;

    if (!fp) {
        fprintf(stderr, "fleet: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while (getline(&line, &cap, fp) > 0) {
        opt.table = realloc(opt.table, (size_t)(n + 1) * 9 * sizeof *opt.table);
        if (!opt.table)
            abort();
        char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
        for (int k = 0; k < 9; k++, tok = tok ? strtok_r(NULL, " \t\n", &save) : NULL)
            opt.table[n * 9 + k] = tok ? strdup(tok) : NULL;
        n++;
    }
    free(line);
    fclose(fp);
    *lines = n;
}

/* The template t for instance i, in a buffer of its own; NULL on a bad one. */
static char *expand(const char *t, int i)
{
    char out[1024];
    size_t o = 0;

    for (; *t; t++) {
        char num[16];
        const char *v = num;
        if (*t != '%') {
            if (o + 1 >= sizeof out)
                return NULL;
            out[o++] = *t;
            continue;
        }
        t++;
        if (*t == '%')
            v = "%";
        else if (*t == 'i')
            snprintf(num, sizeof num, "%d", i);
        else if (*t >= '1' && *t <= '9' && i < opt.table_lines)
            v = opt.table[i * 9 + (*t - '1')];
        else
            return NULL;
        if (!v || o + strlen(v) >= sizeof out)
            return NULL;
        memcpy(out + o, v, strlen(v));
        o += strlen(v);
    }
    out[o] = '\0';
    return strdup(out);
}

static long mem_available_kib(void)
{
    long v[FLEET_MEMINFO_N];

    fleet_report_meminfo(v);
    return v[0];
}

/* Room for every instance's pipe and the prober's sockets. */
static void fleet_raise_nofile(int need)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NOFILE, &r) < 0)
        return;
    r.rlim_cur = r.rlim_max;
    if (r.rlim_max < (rlim_t)need) {
        /* Root may raise the hard limit too, up to fs.nr_open. */
        struct rlimit up = { (rlim_t)need, (rlim_t)need };
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            return;
    }
    setrlimit(RLIMIT_NOFILE, &r);
}

/*
 * Start instance i with its output on a pipe of ours; 0, or -1 with the
 * reason in why (the spawner's own limit: nothing more can start).
 */
static int fleet_spawn(struct fleet *f, int i, char *why, size_t whylen)
{
    struct fleet_inst *in = &f->inst[i];
    int argc = 0, p[2], rc = -1;
    posix_spawn_file_actions_t fa;

    while (opt.cmd[argc])
        argc++;
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int k = 0; k < argc; k++)
        if (!(argv[k] = expand(opt.cmd[k], i))) {
            fprintf(stderr, "fleet: instance %d: cannot expand '%s'\n", i, opt.cmd[k]);
            exit(2);
        }
    memset(in, 0, sizeof *in);
    in->sock = -1;
    in->out = -1;
    if (opt.http) {
        char *a = expand(opt.http, i);
        if (!a || fleet_http_parse(a, &in->addr) < 0) {
            fprintf(stderr, "fleet: instance %d: bad --http '%s'\n", i, a ? a : opt.http);
            exit(2);
        }
        free(a);
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "fleet: pipe: %s (fleet's RLIMIT_NOFILE or fs.file-max)",
                 strerror(errno));
        goto out;
    }
    /* Only our end: the instance's writes block as on a terminal. */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    in->t_exec = now_ns();
    in->next_try = in->t_exec;
    int e = posix_spawn(&in->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (e != 0) {
        close(p[0]);
        char limit[160] = "";
        if (e == EAGAIN)
            fleet_report_tasks(limit, sizeof limit);
        snprintf(why, whylen, "fleet: posix_spawn: %s%s%s", strerror(e), limit[0] ? ": " : "",
                 limit);
        goto out;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = FLEET_EV_OUT(i) };
    if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, p[0], &ev) < 0) {
        snprintf(why, whylen, "fleet: epoll_ctl: %s", strerror(errno));
        close(p[0]);
        kill(in->pid, SIGKILL);
        waitpid(in->pid, NULL, 0);
        goto out;
    }
    in->out = p[0];
    f->started++;
    f->waiting++;
    rc = 0;
out:
    for (int k = 0; k < argc; k++)
        free(argv[k]);
    free(argv);
    return rc;
}

/* One line of inst[i]'s output: the ready line, or the monitor's reason. */
static void fleet_line(struct fleet *f, struct fleet_inst *in, const char *line, uint64_t now)
{
    if (!in->why[0] && strncmp(line, "uhvt: ", 6) == 0)
        snprintf(in->why, sizeof in->why, "%s", line);
    if (opt.ready && strcmp(line, opt.ready) == 0)
        fleet_settle(f, in, FLEET_READY, now);
    if (opt.kick && !in->kicked && strcmp(line, opt.kick) == 0) {
        in->kicked = 1;
        in->attempts = 0;
        in->next_try = now;
    }
}

/* Read what inst[i] printed; at its end, reap it. */
static void fleet_output(struct fleet *f, int i, uint64_t now)
{
    struct fleet_inst *in = &f->inst[i];
    char buf[512];
    ssize_t n;

    while ((n = read(in->out, buf, sizeof buf)) > 0) {
        for (ssize_t k = 0; k < n; k++) {
            if (buf[k] != '\n') {
                if (in->line_len < sizeof in->line - 1)
                    in->line[in->line_len++] = buf[k];
                continue;
            }
            in->line[in->line_len] = '\0';
            fleet_line(f, in, in->line, now);
            in->line_len = 0;
        }
    }
    if (n < 0 && errno == EAGAIN)
        return;
    /* End of file: it closed its output, so it is ending. */
    close(in->out);
    in->out = -1;
    fleet_http_close(f, i);
    int status = 0;
    waitpid(in->pid, &status, 0); /* ending: closing its files is part of exit */
    in->pid = 0;
    if (in->state == FLEET_READY) {
        snprintf(in->why, sizeof in->why, "fleet: it ended after it was ready");
        f->failed++;
    } else if (!in->why[0] && WIFEXITED(status))
        snprintf(in->why, sizeof in->why, "fleet: it exited with status %d before it was ready",
                 WEXITSTATUS(status));
    else if (!in->why[0])
        snprintf(in->why, sizeof in->why, "fleet: it ended by signal %d", WTERMSIG(status));
    fleet_settle(f, in, FLEET_FAILED, now);
    in->state = FLEET_FAILED; /* also one that was ready: it is gone */
}

/* Wait up to d ns for events and handle them; the time after. */
static uint64_t fleet_wait(struct fleet *f, uint64_t d)
{
    struct epoll_event evs[256];
    struct timespec ts = { (time_t)(d / 1000000000ULL), (long)(d % 1000000000ULL) };
    int nev = epoll_pwait2(f->epfd, evs, 256, &ts, NULL);
    uint64_t now = now_ns();

    for (int k = 0; k < nev; k++) {
        int i = (int)(evs[k].data.u64 >> 1);
        if (evs[k].data.u64 & 1)
            fleet_http_event(f, i, evs[k].events, now);
        else
            fleet_output(f, i, now);
    }
    return now;
}

/*
 * --hold: leave them running `secs` seconds, all ready and unasked, and
 * measure what that costs: CPU microseconds per second per instance.
 */
static double fleet_hold(struct fleet *f, int secs)
{
    int n;
    uint64_t t0 = now_ns(), end = t0 + secs * 1000000000ULL;

    fleet_report_cpu(f, 1, &n);
    for (uint64_t now = t0; now < end && !interrupted;)
        now = fleet_wait(f, end - now);
    uint64_t used = fleet_report_cpu(f, 0, &n), t1 = now_ns();
    return n ? used / 1e3 / ((t1 - t0) / 1e9) / n : 0;
}

/* SIGTERM to every instance left, then reap them all. */
static void fleet_stop(struct fleet *f)
{
    for (int i = 0; i < f->started; i++)
        if (f->inst[i].pid > 0)
            kill(f->inst[i].pid, SIGTERM);
    for (int i = 0; i < f->started; i++) {
        fleet_http_close(f, i);
        if (f->inst[i].pid > 0)
            waitpid(f->inst[i].pid, NULL, 0);
        f->inst[i].pid = 0;
        if (f->inst[i].out >= 0)
            close(f->inst[i].out);
        f->inst[i].out = -1;
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "instances", required_argument, NULL, 'n' },
        { "table", required_argument, NULL, 'T' },
        { "ready", required_argument, NULL, 'r' },
        { "http", required_argument, NULL, 'H' },
        { "name", required_argument, NULL, 'N' },
        { "timeout", required_argument, NULL, 't' },
        { "min-avail-mib", required_argument, NULL, 'm' },
        { "max-failures", required_argument, NULL, 'f' },
        { "inflight", required_argument, NULL, 'i' },
        { "retry-us", required_argument, NULL, 'R' },
        { "hold", required_argument, NULL, 'o' },
        { "kick", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct fleet f = { .max_inflight = 128, .retry_ns = 1000000 };
    int c;

    while ((c = getopt_long(argc, argv, "+n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': opt.n = atoi(optarg); break;
        case 'T': table_read(optarg, &opt.table_lines); break;
        case 'r': opt.ready = optarg; break;
        case 'H': opt.http = optarg; break;
        case 'N': opt.name = optarg; break;
        case 't': opt.timeout_s = atoi(optarg); break;
        case 'm': opt.min_avail_mib = atol(optarg); break;
        case 'f': opt.max_failures = atoi(optarg); break;
        case 'i': f.max_inflight = atoi(optarg); break;
        case 'o': opt.hold_s = atoi(optarg); break;
        case 'k': opt.kick = optarg; break;
        case 'R': f.retry_ns = strtoull(optarg, NULL, 10) * 1000; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    opt.cmd = argv + optind;
    if (!opt.n)
        opt.n = opt.table_lines ? opt.table_lines : 1;
    if (!*opt.cmd || opt.n < 1 || (!opt.ready && !opt.http) || f.max_inflight < 1 ||
        f.retry_ns == 0 || opt.timeout_s < 1) {
        fputs(usage, stderr);
        return 2;
    }
    /* A loaded host (the nested VM's one vCPU) may take long to answer: an
     * attempt abandoned too soon is one more for it to serve. */
    f.retry_max_ns = f.retry_ns * 1024;
    f.kick_wait_ns = opt.kick ? 5000000000ULL : 0;
    f.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (f.epfd < 0 || !(f.inst = calloc((size_t)opt.n, sizeof *f.inst))) {
        perror("fleet");
        return 1;
    }
    fleet_raise_nofile(opt.n + f.max_inflight + 64);
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    char stopped_by[256] = "";
    struct fleet_result r = { .name = opt.name, .asked = opt.n, .http = opt.http != NULL,
                              .hold_s = opt.hold_s, .stopped_by = stopped_by };
    fleet_report_meminfo(r.before);
    uint64_t deadline = UINT64_MAX;
    r.t0 = r.t_last_exec = now_ns();
    for (;;) {
        int starting = f.started < opt.n && !stopped_by[0];
        if (interrupted) {
            snprintf(stopped_by, sizeof stopped_by, "fleet: interrupted by signal %d",
                     (int)interrupted);
            break;
        }
        if (starting) {
            long avail = opt.min_avail_mib && f.started % 16 == 0 ? mem_available_kib() : -1;
            if (avail >= 0 && avail < opt.min_avail_mib * 1024)
                snprintf(stopped_by, sizeof stopped_by,
                         "host memory: MemAvailable below --min-avail-mib=%ld", opt.min_avail_mib);
            else if (opt.max_failures > 0 && f.failed >= opt.max_failures)
                snprintf(stopped_by, sizeof stopped_by,
                         "instances failing: %d of them (--max-failures; see failures)",
                         f.failed);
            else if (fleet_spawn(&f, f.started, stopped_by, sizeof stopped_by) == 0)
                r.t_last_exec = f.inst[f.started - 1].t_exec;
            starting = f.started < opt.n && !stopped_by[0];
            if (!starting)
                deadline = now_ns() + (uint64_t)opt.timeout_s * 1000000000ULL;
        }
        uint64_t now = now_ns(), wake = deadline;
        if (opt.http) {
            uint64_t w = fleet_http_expire(&f, now);
            wake = w < wake ? w : wake;
        }
        now = fleet_wait(&f, starting || wake <= now ? 0 : wake - now);
        if (opt.http)
            fleet_http_start(&f, now);
        if (!starting && (f.waiting == 0 || now >= deadline))
            break;
    }
    for (int i = 0; i < f.started; i++)
        fleet_http_close(&f, i); /* no more asking: the hold is left alone */
    if (!stopped_by[0])
        snprintf(stopped_by, sizeof stopped_by, "the count asked for (%d)", opt.n);
    r.idle_cpu_us = opt.hold_s > 0 && !interrupted ? fleet_hold(&f, opt.hold_s) : -1;
    fleet_report_meminfo(r.after);
    r.measured = fleet_report_memory(&f, &r.rss, &r.pss);
    r.tasks = fleet_report_threads(&f);
    uint64_t t_stop = now_ns();
    fleet_stop(&f);
    r.stop_ns = now_ns() - t_stop;
    fleet_report_print(&f, &r);
    return 0;
}
