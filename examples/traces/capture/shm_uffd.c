/*
 * The workload of shm-uffd.strace: the calls devmirror's newer emitters model, made for real on
 * a small scale.
 *
 * 1. A shared file mapping: a memfd sized with ftruncate and fallocate, mapped MAP_SHARED and
 *    written, a hole punched in it (fallocate PUNCH_HOLE|KEEP_SIZE: the kernel zaps the pages
 *    of every mapping of the hole, truncate_pagecache_range), then the file truncated to half
 *    (unmap_mapping_range of the tail), then unmapped.
 * 2. userfaultfd write protection of private anonymous memory: UFFDIO_API, UFFDIO_REGISTER in
 *    write-protect mode, UFFDIO_WRITEPROTECT on and off (mwriteprotect_range), UFFDIO_UNREGISTER.
 *    Nothing writes to the range while it is protected, so no fault needs a handler.
 *
 * Every step checks its result and exits non-zero on failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB (1L << 20)

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(1);
    }
}

static void shared_file(void) {
    int fd = memfd_create("shm-uffd", MFD_CLOEXEC);
    check(fd >= 0, "memfd_create");
    check(ftruncate(fd, 4 * MIB) == 0, "ftruncate grow");
    check(fallocate(fd, 0, 0, 4 * MIB) == 0, "fallocate");
    char *p = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(p != MAP_FAILED, "mmap shared");
    memset(p, 0x5a, 4 * MIB);
    check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, MIB, MIB) == 0, "fallocate punch hole");
    check(ftruncate(fd, 2 * MIB) == 0, "ftruncate shrink");
    check(p[0] == 0x5a && p[MIB] == 0, "contents after the hole");
    check(munmap(p, 4 * MIB) == 0, "munmap shared");
    close(fd);
}

static void write_protect(void) {
    int uffd = (int) syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    check(uffd >= 0, "userfaultfd");
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP};
    check(ioctl(uffd, UFFDIO_API, &api) == 0, "UFFDIO_API");

    char *p = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(p != MAP_FAILED, "mmap anonymous");
    memset(p, 0xa5, 4 * MIB);
    struct uffdio_register reg = {.range = {.start = (unsigned long) p, .len = 4 * MIB},
                                  .mode = UFFDIO_REGISTER_MODE_WP};
    check(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER");
    struct uffdio_writeprotect wp = {.range = {.start = (unsigned long) p + MIB, .len = 2 * MIB},
                                     .mode = UFFDIO_WRITEPROTECT_MODE_WP};
    check(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0, "UFFDIO_WRITEPROTECT on");
    check(p[MIB] == (char) 0xa5, "a read of a protected page");
    wp.mode = 0;
    check(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) == 0, "UFFDIO_WRITEPROTECT off");
    p[MIB] = 1;
    struct uffdio_range range = {.start = (unsigned long) p, .len = 4 * MIB};
    check(ioctl(uffd, UFFDIO_UNREGISTER, &range) == 0, "UFFDIO_UNREGISTER");
    check(munmap(p, 4 * MIB) == 0, "munmap anonymous");
    close(uffd);
}

int main(void) {
    shared_file();
    write_protect();
    puts("shm-uffd: done");
    return 0;
}
