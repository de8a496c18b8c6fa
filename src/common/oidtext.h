/* oidtext.h — the one parser of numeric OIDs as profiles write them ("1.3.6.1.2.1.33.1.2.3.0",
 * a leading dot allowed): profile.c checks a profile with it, the SNMP driver builds its
 * requests with it, so what envmond -t accepts is what the driver can poll. */
#ifndef OIDTEXT_H
#define OIDTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The most sub-identifiers of an OID: Net-SNMP's MAX_OID_LEN (RFC 2578 §3.5 allows 128). */
#define OIDTEXT_MAX_LEN 128
/* oidtext_parse's answer for an OID of more than max sub-identifiers. */
#define OIDTEXT_TOO_LONG (-1)

/* Parses text into out[max] (out may be NULL to check only). Returns the number of
 * sub-identifiers (at least 2, each at most 2^32 - 1), 0 if text is not a numeric OID,
 * or OIDTEXT_TOO_LONG if it has more than max sub-identifiers. */
int oidtext_parse(const char *text, uint32_t *out, size_t max);

#endif
