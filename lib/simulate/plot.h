/* plot.h - a picture of simulations: sessions, capacity and hosts in
 * service over time, the phases shaded, drawn with cairo (PNG or SVG). */
#ifndef GF_PLOT_H
#define GF_PLOT_H

#include "simulate/simulate.h"

/* Draw the N results RES (each with its series; all over the same trace)
 * into FILE, a PNG or an SVG by its suffix (.png, .svg), WIDTH x HEIGHT
 * pixels.  The phases shaded and the time axis are those of RES[0]'s
 * policy.  TITLE may be NULL.  Returns 0, or -1 with an error
 * (GF_ERR_INPUT for a suffix or size it does not draw). */
int gf_plot_write(const char *file, int width, int height, const char *title,
                  const struct gf_sim_result *res, int n);

/* Parse "WxH" into *W and *H (each 200..10000).  0, or -1 with a
 * GF_ERR_INPUT error. */
int gf_plot_size(const char *text, int *w, int *h);

#endif
