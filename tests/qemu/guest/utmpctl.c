/*
 * utmpctl - add or end a login session in the test guest's utmp.
 *
 *   utmpctl login USER LINE   USER_PROCESS record on LINE (e.g. pts/1)
 *   utmpctl logout LINE       DEAD_PROCESS record on LINE
 *
 * Each line gets its own ut_id (derived from LINE), so two logins on two
 * lines are two users; a logout on a line ends the session on that line.
 * Built static for the test initramfs: gcc -static -O2 -o utmpctl utmpctl.c
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmpx.h>

static void copy_field(char *dst, size_t size, const char *src)
{
    /* utmp fields need not be NUL-terminated when full */
    memset(dst, 0, size);
    strncpy(dst, src, size);
}

static void set_line_and_id(struct utmpx *ut, const char *line)
{
    size_t len = strlen(line);
    size_t idlen = sizeof(ut->ut_id);

    copy_field(ut->ut_line, sizeof(ut->ut_line), line);
    /* id: the last bytes of the line, as login(1) does ("pts/1" -> "ts/1") */
    copy_field(ut->ut_id, idlen, len > idlen ? line + len - idlen : line);
}

static int write_record(const struct utmpx *ut)
{
    int ok;

    setutxent();
    ok = pututxline(ut) != NULL;
    endutxent();
    if (!ok) {
        perror("utmpctl: pututxline");
        return 1;
    }
    return 0;
}

static int do_login(const char *user, const char *line)
{
    struct utmpx ut;
    struct timeval tv;

    memset(&ut, 0, sizeof(ut));
    ut.ut_type = USER_PROCESS;
    ut.ut_pid = getpid();
    set_line_and_id(&ut, line);
    copy_field(ut.ut_user, sizeof(ut.ut_user), user);
    copy_field(ut.ut_host, sizeof(ut.ut_host), "goldfarm-test");
    gettimeofday(&tv, NULL);
    ut.ut_tv.tv_sec = tv.tv_sec;
    ut.ut_tv.tv_usec = tv.tv_usec;
    return write_record(&ut);
}

static int do_logout(const char *line)
{
    struct utmpx ut;
    struct timeval tv;

    memset(&ut, 0, sizeof(ut));
    ut.ut_type = DEAD_PROCESS;
    ut.ut_pid = getpid();
    set_line_and_id(&ut, line);
    gettimeofday(&tv, NULL);
    ut.ut_tv.tv_sec = tv.tv_sec;
    ut.ut_tv.tv_usec = tv.tv_usec;
    return write_record(&ut);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "login") == 0)
        return do_login(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "logout") == 0)
        return do_logout(argv[2]);
    fprintf(stderr, "usage: utmpctl login USER LINE | utmpctl logout LINE\n");
    return 2;
}
