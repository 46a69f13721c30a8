// SPDX-License-Identifier: GPL-2.0-only
/*
 * Consumers: a process that opens the devices for writing is one consumer
 * (read-only opens are query handles, device.c), with one ring per CPU
 * device it opened and settings (snaplen, dropping mode, event mask)
 * shared by its rings. At most max_consumers at a time. The syscall
 * tracepoints are registered while there is at least one consumer.
 */
#include <linux/cpumask.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "scap.h"

LIST_HEAD(scap_consumers);
/* Serializes opening and closing; the probes walk the list under RCU. */
static DEFINE_MUTEX(scap_consumers_lock);
static unsigned int scap_n_consumers;
/* Frees closed rings once the probes can no longer see them. */
static struct workqueue_struct *scap_free_wq;

int scap_consumers_init(void)
{
	scap_free_wq = alloc_workqueue("scap_free", WQ_UNBOUND, 0);
	return scap_free_wq ? 0 : -ENOMEM;
}

/* Open devices pin the module: only frees of closed rings can be pending. */
void scap_consumers_exit(void)
{
	/* Let pending grace periods queue their frees, then run them all. */
	rcu_barrier();
	destroy_workqueue(scap_free_wq);
}

static struct scap_consumer *scap_consumer_find(struct pid *owner)
{
	struct scap_consumer *consumer;

	lockdep_assert_held(&scap_consumers_lock);
	list_for_each_entry(consumer, &scap_consumers, node)
		if (consumer->owner == owner)
			return consumer;
	return NULL;
}

static struct scap_consumer *scap_consumer_new(struct pid *owner)
{
	struct scap_consumer *consumer;

	consumer = kzalloc(struct_size(consumer, rings, nr_cpu_ids), GFP_KERNEL);
	if (!consumer)
		return NULL;
	consumer->owner = get_pid(owner);
	consumer->snaplen = SCAP_SNAPLEN_DEFAULT;
	consumer->sampling_ratio = 1;
	bitmap_fill(consumer->events_mask, SCAP_EVENT_MAX);
	return consumer;
}

static void scap_consumer_free(struct scap_consumer *consumer)
{
	put_pid(consumer->owner);
	kfree(consumer);
}

/* Opens cpu's ring for the calling process, its consumer made if new. */
struct scap_ring *scap_consumer_open(unsigned int cpu)
{
	struct pid *owner = task_tgid(current);
	struct scap_consumer *consumer;
	struct scap_ring *ring;
	bool is_new = false;
	int err;

	mutex_lock(&scap_consumers_lock);
	consumer = scap_consumer_find(owner);
	if (!consumer) {
		err = -EBUSY;
		if (scap_n_consumers >= scap_max_consumers)
			goto err_unlock;
		err = -ENOMEM;
		consumer = scap_consumer_new(owner);
		if (!consumer)
			goto err_unlock;
		is_new = true;
	}
	/* One open per device and consumer. */
	err = -EBUSY;
	if (rcu_access_pointer(consumer->rings[cpu]))
		goto err_consumer;

	err = -ENOMEM;
	ring = scap_ring_alloc(cpu);
	if (!ring)
		goto err_consumer;
	ring->consumer = consumer;

	if (is_new && !scap_n_consumers) {
		err = scap_tracepoints_register();
		if (err)
			goto err_ring;
	}
	if (is_new) {
		list_add_tail_rcu(&consumer->node, &scap_consumers);
		scap_n_consumers++;
	}
	consumer->n_rings++;
	rcu_assign_pointer(consumer->rings[cpu], ring);
	mutex_unlock(&scap_consumers_lock);
	return ring;

err_ring:
	scap_ring_free(ring);
err_consumer:
	if (is_new)
		scap_consumer_free(consumer);
err_unlock:
	mutex_unlock(&scap_consumers_lock);
	return ERR_PTR(err);
}

static void scap_ring_free_work(struct work_struct *work)
{
	struct scap_ring *ring = container_of(to_rcu_work(work), struct scap_ring,
					      free_work);
	struct scap_consumer *consumer = ring->free_consumer;

	scap_ring_free(ring);
	if (consumer)
		scap_consumer_free(consumer);
}

/*
 * Closes a ring; the consumer goes with its last ring. Both are freed
 * after a grace period, when no probe can be writing to them, without
 * waiting for it here: a consumer closing its N devices waits for no
 * grace period, not N in a row under the mutex.
 */
void scap_consumer_close(struct scap_ring *ring)
{
	struct scap_consumer *consumer = ring->consumer;
	bool last_ring;

	mutex_lock(&scap_consumers_lock);
	RCU_INIT_POINTER(consumer->rings[ring->cpu], NULL);
	last_ring = !--consumer->n_rings;
	if (last_ring) {
		list_del_rcu(&consumer->node);
		if (!--scap_n_consumers)
			scap_tracepoints_unregister();
	}
	mutex_unlock(&scap_consumers_lock);

	ring->free_consumer = last_ring ? consumer : NULL;
	INIT_RCU_WORK(&ring->free_work, scap_ring_free_work);
	queue_rcu_work(scap_free_wq, &ring->free_work);
}
