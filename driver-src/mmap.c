// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two mappings of a ring, both at offset 0 and told apart by length:
 * the data area (2 * SCAP_RING_BUF_SIZE, read-only: its pages twice back to
 * back) and the info page (48 bytes, read/write: userspace moves tail).
 */
#include <linux/mm.h>
#include <linux/version.h>

#include "scap.h"

/*
 * 6.3 made vma->vm_flags read-only, to be changed through vm_flags_mod()
 * ("mm: introduce vma->vm_flags wrapper functions"), which 6.1 lacks.
 */
static void scap_vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set,
			      vm_flags_t clear)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

int scap_ring_mmap(struct scap_ring *ring, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff)
		return -EINVAL;

	/* Neither mapping is inherited, grown or dumped. */
	if (len == SCAP_RING_DATA_MMAP_LEN) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		scap_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
				  VM_MAYWRITE);
		return vm_map_pages_zero(vma, ring->pages, 2 * SCAP_RING_PAGES);
	}
	if (len == PAGE_ALIGN(SCAP_RING_INFO_MMAP_LEN)) {
		scap_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP, 0);
		return vm_insert_page(vma, vma->vm_start, ring->info_page);
	}
	return -EINVAL;
}
