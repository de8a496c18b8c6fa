/* graph.h — the report's graphs, drawn by librrd (rrd_graph_v) from the devices' RRD
 * files, as PNG images in memory, with French labels and the envelopes drawn in. */
#ifndef GRAPH_H
#define GRAPH_H

#include <stddef.h>
#include <time.h>

#include "audit.h"

/* One quantity, one unit, per graph. Every graph shades the transfers to battery of the
 * server's UPS and the journal's incidents and contact losses of the device (or its
 * rack); a period longer than two days draws the MAX (and the MIN where a dip matters)
 * beside the AVERAGE, so that a short excursion stays visible. */
enum graph_kind {
	GRAPH_TEMPERATURE,   /* a probe: temperature (°C) with the recommended and allowable bands */
	GRAPH_HUMIDITY,      /* a probe: relative humidity (% RH) */
	GRAPH_DEW_POINT,     /* a probe: dew point (°C) */
	GRAPH_UPS_LOAD,      /* a UPS: output load and battery charge (%) */
	GRAPH_UPS_RUNTIME,   /* a UPS: runtime (min) against the required budget */
};

struct graph_png {
	unsigned char *data;
	size_t size;
};

/* Draws kind for device dev of server srv over [a->from, a->to). env: the server's
 * envelope of the graph's main criterion. 0, or -1 (logged) when librrd cannot draw it
 * (no file). */
int graph_draw(const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, struct graph_png *out);
/* The same, zoom times larger in pixels (rrdtool's --zoom: fonts and lines scale too),
 * for print: 2.5 gives about 300 dpi across the text width of an A4 page. */
int graph_draw_zoom(const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, double zoom, struct graph_png *out);
void graph_png_free(struct graph_png *g);
/* rrdtool's --x-grid for a graph of [from, to): "BASE:n:MAJOR:n:LABEL:n:precision:format". */
const char *graph_time_grid(time_t from, time_t to);

/* The base64 text (RFC 4648) of size bytes of data; a new string. */
char *graph_base64(const unsigned char *data, size_t size);

#endif
