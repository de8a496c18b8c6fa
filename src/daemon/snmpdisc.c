/* snmpdisc.c — which profile fits an SNMP device. Each profile's match = { ... } names
 * sysObjectID prefixes and probe OIDs: a scalar ending in .0 is asked with a GET, any
 * other OID is a subtree asked with a GETNEXT, except after '=': a GET of that very OID
 * (Generex CS121 cards publish UPS-MIB scalars without their .0 instance). A profile fits when one of its probe
 * OIDs answers; among those that fit, a matching sysObjectID ranks first, then a probe
 * in a vendor's private tree (a card answering both its vendor's MIB and the generic
 * UPS-MIB is read through the vendor's, which says more). */
#include <config.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdlib.h>
#include <string.h>

#include "envmon.h"
#include "probe.h"
#include "snmpdec.h"
#include "snmpdisc.h"
#include "snmpdrv.h"
#include "snmptable.h"
#include "xmem.h"

#define RANK_PROBE 4      /* a probe OID answered: the profile fits */
#define RANK_SYSOID 2     /* sysObjectID under one of the profile's prefixes */
#define RANK_PRIVATE 1    /* the probe answered is in an enterprise's tree */

static const oid sysobjectid_oid[] = { 1, 3, 6, 1, 2, 1, 1, 2, 0 };

struct fit {
	const struct profile *prof;
	int rank;
	const char *probe;          /* the probe OID that answered */
};

/* One request; the answer's first varbind, or NULL (no answer: *lost). */
static netsnmp_pdu *ask(void *sessp, int type, const oid *name, size_t len, bool *lost)
{
	netsnmp_pdu *pdu = snmp_pdu_create(type), *resp = NULL;

	snmp_add_null_var(pdu, name, len);
	if (snmp_sess_synch_response(sessp, pdu, &resp) != STAT_SUCCESS) {
		*lost = true;
		if (resp)
			snmp_free_pdu(resp);
		return NULL;
	}
	if (resp->errstat != SNMP_ERR_NOERROR || !resp->variables) {
		snmp_free_pdu(resp);
		return NULL;
	}
	return resp;
}

/* True if the device answers probe (see the head of the file). */
static bool answers(void *sessp, const char *probe, bool *lost)
{
	oid name[SNMPDEC_OID_MAX];
	bool exact = probe[0] == '=';
	size_t len = snmpdec_parse_oid(probe + exact, name, SNMPDEC_OID_MAX);
	bool scalar = exact || (len > 0 && name[len - 1] == 0);
	netsnmp_pdu *resp;
	const netsnmp_variable_list *vb;
	bool yes;

	if (len == 0)
		return false;
	resp = ask(sessp, scalar ? SNMP_MSG_GET : SNMP_MSG_GETNEXT, name, len, lost);
	if (!resp)
		return false;
	vb = resp->variables;
	yes = !snmpdec_exception_name(vb) && vb->type != ASN_NULL &&
		(scalar || (vb->name_length > len && snmp_oidtree_compare(name, len, vb->name, vb->name_length) == 0));
	snmp_free_pdu(resp);
	return yes;
}

static bool under(const oid *id, size_t id_len, const char *prefix_text)
{
	oid prefix[SNMPDEC_OID_MAX];
	size_t len = snmpdec_parse_oid(prefix_text, prefix, SNMPDEC_OID_MAX);

	return len > 0 && id_len >= len && snmp_oidtree_compare(prefix, len, id, id_len) == 0;
}

/* The device's sysObjectID into id (*id_len = 0 if it has none); false if it does not answer. */
static bool get_sysobjectid(void *sessp, oid *id, size_t *id_len)
{
	bool lost = false;
	netsnmp_pdu *resp = ask(sessp, SNMP_MSG_GET, sysobjectid_oid, OID_LENGTH(sysobjectid_oid), &lost);

	*id_len = 0;
	if (resp && resp->variables->type == ASN_OBJECT_ID) {
		*id_len = resp->variables->val_len / sizeof(oid);
		if (*id_len > SNMPDEC_OID_MAX)
			*id_len = SNMPDEC_OID_MAX;
		memcpy(id, resp->variables->val.objid, *id_len * sizeof(oid));
	}
	if (resp)
		snmp_free_pdu(resp);
	return !lost;
}

/* Ranks every SNMP profile with a match block; *n_fits are those that fit, best first. */
static struct fit *rank_all(void *sessp, const struct profile *const *profiles, size_t n, int kind,
	const oid *id, size_t id_len, size_t *n_fits, bool *lost)
{
	struct fit *fits = xcalloc(n + 1, sizeof(*fits));

	*n_fits = 0;
	for (size_t i = 0; i < n && !*lost; i++) {
		const struct profile *prof = profiles[i];
		struct fit f = { .prof = prof };

		if (prof->protocol != PROFILE_SNMP || !prof->n_match_probes || (kind >= 0 && (int)prof->kind != kind))
			continue;
		for (size_t k = 0; k < prof->n_match_probes && !f.probe && !*lost; k++)
			if (answers(sessp, prof->match_probes[k], lost))
				f.probe = prof->match_probes[k];
		if (!f.probe)
			continue;
		f.rank = RANK_PROBE;
		for (size_t k = 0; k < prof->n_match_sysoids; k++)
			if (under(id, id_len, prof->match_sysoids[k]))
				f.rank |= RANK_SYSOID;
		if (strncmp(f.probe + strspn(f.probe, "=."), "1.3.6.1.4.1.", 12) == 0)
			f.rank |= RANK_PRIVATE;
		/* Insertion keeps the best first; at equal ranks a UPS, then a cooling unit, comes
		 * before a probe (a UPS card that also lists its sensors in ENTITY-SENSOR-MIB is a
		 * UPS), then the profiles' order. */
		size_t at = *n_fits;

		while (at > 0 && (fits[at - 1].rank < f.rank ||
		       (fits[at - 1].rank == f.rank && fits[at - 1].prof->kind > prof->kind))) {
			fits[at] = fits[at - 1];
			at--;
		}
		fits[at] = f;
		(*n_fits)++;
	}
	return fits;
}

static const char *kind_label(int kind)
{
	return kind < 0 ? _("any kind") : device_kind_name((enum device_kind)kind);
}

const struct profile *snmpdisc_pick(const struct cfg_device *dev, const struct profile *const *profiles,
	size_t n, int kind, char *why, size_t size)
{
	void *sessp;
	oid id[SNMPDEC_OID_MAX];
	size_t id_len, n_fits = 0;
	bool lost = false;
	struct fit *fits = NULL;
	const struct profile *best = NULL;

	snmpdrv_library();   /* not snmp_driver.init/fini: the daemon may be polling (reload) */
	sessp = snmpdrv_session(dev, true);
	if (!sessp) {
		snprintf(why, size, "%s", _("cannot open an SNMP session (see the message above)"));
	} else if (!get_sysobjectid(sessp, id, &id_len)) {
		snprintf(why, size, _("%s:%u does not answer SNMP"), dev->snmp.host, dev->snmp.port);
	} else {
		fits = rank_all(sessp, profiles, n, kind, id, id_len, &n_fits, &lost);
		if (lost)
			snprintf(why, size, _("%s:%u stopped answering during the detection"), dev->snmp.host,
				dev->snmp.port);
		else if (n_fits == 0)
			snprintf(why, size, _("no profile (%s) fits: none of their probe OIDs answers"), kind_label(kind));
		else
			best = fits[0].prof;
	}
	free(fits);
	if (sessp)
		snmp_sess_close(sessp);
	return best;
}

/* ------------------------------------------------------------------ --discover */

/* snmp://[COMMUNITY@]HOST[:PORT] into dev (an IPv6 address without a port); false if
 * it is not of that form. */
static bool parse_target(const char *target, const char *version, struct cfg_device *dev)
{
	const char *rest = strncmp(target, "snmp://", 7) == 0 ? target + 7 : NULL;
	const char *at, *colon;
	char *end;
	unsigned long port = 161;

	if (!rest || !*rest)
		return false;
	at = strrchr(rest, '@');
	dev->snmp.community = at ? xstrndup(rest, (size_t)(at - rest)) : xstrdup("public");
	rest = at ? at + 1 : rest;
	colon = strchr(rest, ':');
	if (colon && strchr(colon + 1, ':'))
		colon = NULL;        /* IPv6 */
	if (colon) {
		port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port > 65535)
			return false;
	}
	dev->snmp.host = xstrndup(rest, colon ? (size_t)(colon - rest) : strlen(rest));
	dev->snmp.port = (unsigned)port;
	dev->snmp.version = strcmp(version, "1") == 0 ? 1 : 2;
	return dev->snmp.host[0] != '\0';
}

static void print_block(const struct cfg_device *dev, const struct profile *prof, FILE *out)
{
	char host[256];

	snmptable_clean_label((const unsigned char *)dev->snmp.host, strlen(dev->snmp.host), host, sizeof(host));
	fprintf(out, _("Device block for %s (put the community in; it is not repeated here):\n"), prof->name);
	fprintf(out, "  { name = \"%s\"; profile = \"%s\";\n    snmp = { host = \"%s\"; port = %u; version = \"%s\"; "
		"community = \"...\"; }; }\n", prof->kind == KIND_PROBE ? "probe1" : prof->kind == KIND_UPS ? "ups1" :
		"cooling1", prof->name, host, dev->snmp.port, dev->snmp.version == 1 ? "1" : "2c");
}

int snmpdisc_main(const struct config *cfg, const char *target, const char *version, FILE *out)
{
	struct cfg_device dev = { .name = "discovered", .protocol = PROTO_SNMP, .timeout_ms = 2000, .retries = 1,
		.interval_s = 30, .dead_intervals = 3 };
	oid id[SNMPDEC_OID_MAX];
	size_t id_len = 0, n_fits = 0;
	bool lost = false;
	struct fit *fits = NULL;
	void *sessp;
	int rc = ENVMON_EX_OK;

	dev.snmp.max_oids = 32;
	if (!parse_target(target, version, &dev)) {
		fprintf(stderr, _("envmond: --discover wants snmp://[COMMUNITY@]HOST[:PORT], not '%s'\n"), target);
		free(dev.snmp.host);
		free(dev.snmp.community);
		return ENVMON_EX_USAGE;
	}
	snmpdrv_library();
	sessp = snmpdrv_session(&dev, true);
	if (!sessp || !get_sysobjectid(sessp, id, &id_len)) {
		fprintf(stderr, _("envmond: %s:%u does not answer SNMP\n"), dev.snmp.host, dev.snmp.port);
		rc = ENVMON_EX_FAIL;
	} else {
		char text[256];

		snprint_objid(text, sizeof(text), id, id_len);
		fprintf(out, _("sysObjectID: %s\n"), id_len ? text : _("(none)"));
		fits = rank_all(sessp, (const struct profile *const *)cfg->profiles, cfg->n_profiles, -1, id, id_len,
			&n_fits, &lost);
	}
	if (sessp)
		snmp_sess_close(sessp);
	if (rc == ENVMON_EX_OK && n_fits == 0) {
		fprintf(stderr, _("envmond: no profile fits %s:%u: none of their probe OIDs answers\n"), dev.snmp.host,
			dev.snmp.port);
		rc = ENVMON_EX_FAIL;
	}
	for (size_t i = 0; i < n_fits; i++) {
		fprintf(out, _("\nProfile %s (%s)%s: answers %s%s\n"), fits[i].prof->name,
			device_kind_name(fits[i].prof->kind), i == 0 ? _(" [best]") : "", fits[i].probe,
			fits[i].rank & RANK_SYSOID ? _(", sysObjectID matches") : "");
		dev.profile = fits[i].prof;
		fflush(out);
		probe_device(&dev, false, out);
		print_block(&dev, fits[i].prof, out);
	}
	free(fits);
	free(dev.snmp.host);
	free(dev.snmp.community);
	return rc;
}
