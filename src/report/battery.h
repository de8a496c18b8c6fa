/* battery.h — battery health from real outages (issue 18.2): for each transfer to
 * battery of the period, the runtime the UPS promised as it began, the charge it used
 * per minute at the load it carried, and from those the runtime it could really give
 * at full charge, against its promise and the shutdown budget. */
#ifndef BATTERY_H
#define BATTERY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct audit;

/* A battery that gives less than this share of what it promises is to be replaced. */
#define BATTERY_MIN_SHARE 0.70
/* Less charge used than this (percentage points) tells nothing about the battery. */
#define BATTERY_MIN_CHARGE_USED 3.0

struct battery_outage {
	const char *device;        /* the UPS (the configuration's string) */
	time_t start, end;
	double promised_s;         /* ups_runtime as the outage began */
	double charge_start, charge_end;   /* % */
	double load_pct;           /* mean ups_load during the outage, NAN if unknown */
	double charge_per_min;     /* percentage points per minute */
	double real_full_s;        /* the runtime at full charge at that rate; NAN if unknown */
	double budget_s;           /* the most demanding shutdown budget of the servers it feeds */
	bool weak;                 /* real_full_s < BATTERY_MIN_SHARE x promised_s, or < budget_s */
};

/* From the figures of one outage: charge_per_min, real_full_s and weak. false (and
 * real_full_s NAN) when the charge used is too small or a figure is missing. */
bool battery_assess(struct battery_outage *o);

/* Every outage of a's episodes with its figures from the RRD files; *out a new array. */
size_t battery_outages(const struct audit *a, struct battery_outage **out);

/* Batteries older than this are to be replaced (a UPS battery lasts 3 to 5 years). */
#define BATTERY_MAX_AGE_S (4 * 365.25 * 86400)

struct cfg_device;
/* "batteries over 4 years old (installed on 01/05/2021)" when dev's configured battery
 * date is more than BATTERY_MAX_AGE_S before at; else NULL. malloc'd. */
char *battery_age_reason(const struct cfg_device *dev, time_t at);

/* "9 min réelles pour 25 promises lors de la coupure du 12/03" (malloc'd). */
char *battery_reason(const struct battery_outage *o);

#endif
