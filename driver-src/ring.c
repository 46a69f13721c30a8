// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU ring buffers. The data pages are mapped twice back to back in
 * the kernel (and in userspace, see mmap.c), so an event that wraps past
 * the end is still contiguous for both writer and reader.
 *
 * The driver owns head, userspace owns tail; head == tail is empty, so the
 * writer always keeps one byte free.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "scap.h"

static void scap_ring_free_pages(struct scap_ring *ring, unsigned int n)
{
	while (n--)
		__free_page(ring->pages[n]);
	kvfree(ring->pages);
}

struct scap_ring *scap_ring_alloc(unsigned int cpu)
{
	int node = cpu_to_node(cpu);
	struct scap_ring *ring;
	unsigned int i;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return NULL;
	ring->cpu = cpu;

	ring->info_page = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
	if (!ring->info_page)
		goto err_ring;
	ring->info = page_address(ring->info_page);

	ring->pages = kvmalloc_array(2 * SCAP_RING_PAGES, sizeof(*ring->pages),
				     GFP_KERNEL);
	if (!ring->pages)
		goto err_info;
	/* Zeroed: userspace sees these pages. */
	for (i = 0; i < SCAP_RING_PAGES; i++) {
		ring->pages[i] = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!ring->pages[i])
			goto err_pages;
		ring->pages[SCAP_RING_PAGES + i] = ring->pages[i];
	}

	ring->data = vmap(ring->pages, 2 * SCAP_RING_PAGES, VM_MAP, PAGE_KERNEL);
	if (!ring->data)
		goto err_pages;
	return ring;

err_pages:
	scap_ring_free_pages(ring, i);
err_info:
	__free_page(ring->info_page);
err_ring:
	kfree(ring);
	return NULL;
}

/* Userspace mappings hold their own page references. */
void scap_ring_free(struct scap_ring *ring)
{
	vunmap(ring->data);
	scap_ring_free_pages(ring, SCAP_RING_PAGES);
	__free_page(ring->info_page);
	kfree(ring);
}
