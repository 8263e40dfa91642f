/*
 * A userfaultfd write-protect dirty tracker in miniature, for devmirror's replay of
 * UFFDIO_* and PAGEMAP_SCAN ioctls (uffd-wp.sh beside it captures its trace):
 * async write-protect of a 16-page buffer, two CPU writes, a PAGEMAP_SCAN that reports and
 * re-protects the written pages, an un-protect, a UFFDIO_MOVE of 4 pages into a second
 * registered buffer, and unregister. The structures and request numbers the installed headers
 * may lack (PAGEMAP_SCAN since Linux 6.7, UFFDIO_MOVE since 6.8) are defined here.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef UFFDIO_MOVE
struct uffdio_move {
	uint64_t dst, src, len, mode;
	int64_t move;
};
#define UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#define PAGE_IS_WRITTEN (1 << 1)
#endif

static void check(long r, const char *what)
{
	if (r < 0) {
		perror(what);
		_exit(1);
	}
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	check(uffd, "userfaultfd");
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
	check(ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API");

	char *buf = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(buf == MAP_FAILED || dst == MAP_FAILED ? -1 : 0, "mmap");
	memset(buf, 1, 16 * page);

	struct uffdio_register reg = {.range = {(uintptr_t)buf, 16 * page}, .mode = UFFDIO_REGISTER_MODE_WP};
	check(ioctl(uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER buf");
	struct uffdio_register regdst = {.range = {(uintptr_t)dst, 4 * page}, .mode = UFFDIO_REGISTER_MODE_WP};
	check(ioctl(uffd, UFFDIO_REGISTER, &regdst), "UFFDIO_REGISTER dst");
	struct uffdio_writeprotect wp = {.range = {(uintptr_t)buf, 16 * page}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
	check(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp), "UFFDIO_WRITEPROTECT");

	buf[4 * page] = 2; /* async: the kernel drops the uffd-wp bit and the write goes on */
	buf[5 * page] = 2;

	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	check(pagemap, "open pagemap");
	struct page_region regions[16];
	struct pm_scan_arg scan = {
		.size = sizeof(scan),
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.start = (uintptr_t)buf,
		.end = (uintptr_t)buf + 16 * page,
		.vec = (uintptr_t)regions,
		.vec_len = 16,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	long found = ioctl(pagemap, PAGEMAP_SCAN, &scan);
	check(found, "PAGEMAP_SCAN");
	printf("PAGEMAP_SCAN: %ld region(s), first [%#lx, %#lx)\n", found, found > 0 ? (unsigned long)regions[0].start : 0UL,
	       found > 0 ? (unsigned long)regions[0].end : 0UL);

	wp.mode = 0; /* un-protect (and wake) */
	check(ioctl(uffd, UFFDIO_WRITEPROTECT, &wp), "UFFDIO_WRITEPROTECT 0");

	struct uffdio_move move = {.dst = (uintptr_t)dst, .src = (uintptr_t)buf + 8 * page, .len = 4 * page, .mode = 0};
	check(ioctl(uffd, UFFDIO_MOVE, &move), "UFFDIO_MOVE");
	printf("UFFDIO_MOVE: %lld bytes, dst[0] = %d\n", (long long)move.move, dst[0]);

	struct uffdio_range all = {(uintptr_t)buf, 16 * page};
	check(ioctl(uffd, UFFDIO_UNREGISTER, &all), "UFFDIO_UNREGISTER");
	munmap(dst, 4 * page);
	munmap(buf, 16 * page);
	return 0;
}
