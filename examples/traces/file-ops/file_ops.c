/* The file operations devmirror replays from a trace: a shared mapping of a file that is
 * grown with ftruncate, written, hole-punched with fallocate and MADV_REMOVE, shrunk with
 * ftruncate, and unmapped. Built and traced by capture.sh. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	const size_t page = 4096, pages = 16;
	char path[] = "/tmp/devmirror-file-ops-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || unlink(path) != 0 || ftruncate(fd, pages * page) != 0)
		return 1;
	char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 0x5a, pages * page);
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * page, 2 * page) != 0)
		return 1;
	if (madvise(p + 6 * page, 2 * page, MADV_REMOVE) != 0)
		return 1;
	if (ftruncate(fd, 10 * page) != 0)
		return 1;
	printf("%d %d\n", p[2 * page], p[9 * page]);
	munmap(p, pages * page);
	close(fd);
	return 0;
}
