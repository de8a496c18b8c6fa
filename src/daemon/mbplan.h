/* mbplan.h — plans the Modbus reads of one device: its profile's metrics grouped into
 * as few requests as the protocol allows. Pure: no I/O, no state, unit-tested. */
#ifndef MBPLAN_H
#define MBPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

/* Protocol limits of one read (Modbus application protocol v1.1b3, §6.1–6.4). */
#define MBPLAN_MAX_REGISTERS 125u
#define MBPLAN_MAX_BITS 2000u
/* Unused addresses a request may span to join two metrics. An unused register costs
 * 2 bytes (about 2 ms at 9600 baud); one more request costs a round trip: 8 bytes out,
 * at least 7 back, two 3.5-character silences and the device's turnaround, 15 to 50 ms
 * on a typical probe. So 8 registers (or 64 bits) of hole are cheaper than a request.
 * A device that refuses the hole (illegal data address) is read metric by metric. */
#define MBPLAN_GAP_REGISTERS 8u
#define MBPLAN_GAP_BITS 64u

/* One metric as a read needs it. */
struct mbplan_item {
	size_t metric;             /* index in the profile's metrics */
	enum modbus_table table;
	unsigned address;          /* zero-based protocol address */
	unsigned width;            /* registers (or bits) it spans */
	enum value_type type;
	enum word_order order;
	int bit;                   /* bit of a status word, or -1 */
};

/* One read: `count` registers or bits from `address`, serving items[first .. first+n). */
struct mbplan_request {
	enum modbus_table table;
	unsigned address, count;
	size_t first, n;
};

struct mbplan {
	struct mbplan_item *items;     /* sorted by table, then address */
	size_t n_items;
	struct mbplan_request *reqs;
	size_t n_reqs;
};

/* Plans the reads of metrics[0 .. n) with the given hole tolerances (the driver uses
 * MBPLAN_GAP_REGISTERS and MBPLAN_GAP_BITS). Metrics of a table are joined while the
 * hole between them is at most the tolerance and the request stays within the limits.
 * Free the plan with mbplan_free. */
void mbplan_build(struct mbplan *plan, const struct profile_metric *metrics, size_t n,
	unsigned gap_registers, unsigned gap_bits);
void mbplan_free(struct mbplan *plan);
/* True for coils and discrete inputs (read as bits, one per byte). */
bool mbplan_is_bits(enum modbus_table table);

#endif
