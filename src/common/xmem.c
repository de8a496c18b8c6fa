/* xmem.c — allocation wrappers. */
#include <config.h>

#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

/* Over this, a block is a mapping of its own, unmapped when freed. */
#define XMEM_LARGE_BYTES (256 * 1024)

ATTR_NORETURN static void out_of_memory(size_t size)
{
	/* No log module here: it allocates too. stderr and syslog both see this. */
	fprintf(stderr, "envmond: out of memory (%zu bytes)\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		out_of_memory(nmemb * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xgrow(void *ptr, size_t *cap, size_t need, size_t elem_size)
{
	size_t n = *cap ? *cap : 4;

	if (need <= *cap)
		return ptr;
	while (n < need)
		n *= 2;
	if (n > ((size_t)-1) / elem_size)
		out_of_memory((size_t)-1);
	*cap = n;
	return xrealloc(ptr, n * elem_size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		out_of_memory(n + 1);
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* glibc raises its mmap threshold to the size of the largest mapped block freed (up to
 * 32 MiB), and its trim threshold to twice that: after librrd's rrd_create, which holds a
 * whole new file in one block (17 MB for the 13-source UPS file of ups-rfc1628 at a 5 s step), every later
 * large block came from the heap and the heap never shrank again: 17 MB of anonymous
 * memory kept for the life of the daemon after its first start (measured with massif and
 * /proc/PID/smaps). Setting the threshold fixes both (mallopt(3)). */
void xmem_return_large(void)
{
#if defined(HAVE_MALLOPT) && defined(M_MMAP_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, XMEM_LARGE_BYTES);
#endif
}

void xmem_trim(void)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}
