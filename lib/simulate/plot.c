/* plot.c - a picture of simulations, drawn with cairo. */
#include "simulate/plot.h"

#include <stdio.h>
#include <string.h>

#include <cairo-svg.h>
#include <cairo.h>

#include "base/error.h"
#include "policy/schedule.h"

#define ML 72.0 /* margins: left, right, top, bottom */
#define MR 72.0
#define MT 44.0
#define MB 48.0

struct frame {
    double x0, y0, w, h; /* the plot area */
    time_t from, to;
    double smax, hmax; /* top of the sessions and hosts axes */
};

static const double colors[][3] = {
    {0.12, 0.38, 0.75}, {0.85, 0.33, 0.10}, {0.17, 0.60, 0.25},
    {0.55, 0.25, 0.65}, {0.60, 0.45, 0.10}, {0.10, 0.60, 0.65},
};
#define NCOLORS (int)(sizeof(colors) / sizeof(colors[0]))

static const double phase_fill[GF_NPHASES][3] = {
    {1.00, 0.95, 0.75}, /* ramp_up */
    {1.00, 0.85, 0.82}, /* peak */
    {0.85, 0.92, 1.00}, /* ramp_down */
    {0.95, 0.95, 0.95}, /* off_peak */
};

int gf_plot_size(const char *text, int *w, int *h)
{
    char extra;

    if (sscanf(text, "%dx%d%c", w, h, &extra) != 2 || *w < 200 || *h < 200 || *w > 10000 ||
        *h > 10000) {
        gf_err(GF_ERR_INPUT, "--size '%s': expected WIDTHxHEIGHT, each 200 to 10000", text);
        return -1;
    }
    return 0;
}

static double xt(const struct frame *f, time_t t)
{
    return f->x0 + f->w * (double)(t - f->from) / (double)(f->to - f->from);
}

static double ys(const struct frame *f, double v)
{
    return f->y0 + f->h - f->h * v / f->smax;
}

static double yh(const struct frame *f, double v)
{
    return f->y0 + f->h - f->h * v / f->hmax;
}

/* A round axis top at or above V: the smallest step of 1, 2 or 5 times a
 * power of ten that needs at most 8 ticks; *TICK gets the step. */
static double nice_top(double v, double *tick)
{
    static const double mult[] = {1, 2, 5};

    if (v < 1)
        v = 1;
    for (double p = 1;; p *= 10)
        for (int i = 0; i < 3; i++) {
            double step = mult[i] * p;
            if (v / step <= 8) {
                *tick = step;
                return step * (double)(long)((v + step - 1e-9) / step);
            }
        }
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
    cairo_text_extents_t e;

    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - e.width * ax - e.x_bearing, y + e.height * ay);
    cairo_show_text(cr, s);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static void shade_phases(cairo_t *cr, const struct frame *f, const struct gf_sim_result *r)
{
    for (int i = 0; i < r->nseries;) {
        int k = i;
        int ph = r->series[i].phase < GF_NPHASES ? r->series[i].phase : GF_OFF_PEAK;
        while (k < r->nseries && r->series[k].phase == r->series[i].phase)
            k++;
        double x1 = xt(f, r->series[i].t),
               x2 = k < r->nseries ? xt(f, r->series[k].t) : f->x0 + f->w;
        cairo_set_source_rgb(cr, phase_fill[ph][0], phase_fill[ph][1], phase_fill[ph][2]);
        cairo_rectangle(cr, x1, f->y0, x2 - x1, f->h);
        cairo_fill(cr);
        i = k;
    }
}

/* The time axis: a label every day (weeks) or every few hours (a day). */
static void time_axis(cairo_t *cr, const struct frame *f, const char *zone)
{
    long span = (long)(f->to - f->from);
    int every = span <= 6 * 3600    ? 60
                : span <= 2 * 86400 ? 180
                : span <= 9 * 86400 ? 1440
                                    : 1440 * 7; /* minutes between labels */
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

    cairo_set_font_size(cr, 11);
    for (time_t t = f->from - f->from % 3600; t <= f->to; t += 3600) {
        struct gf_local l;
        char label[40];
        double x;
        if (t < f->from || gf_local_time(zone, t, &l) < 0)
            continue;
        if (every < 1440 ? l.minute % every != 0 : l.minute != 0 || (every > 1440 && l.wday != 1))
            continue;
        x = xt(f, t);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.15);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x, f->y0);
        cairo_line_to(cr, x, f->y0 + f->h);
        cairo_stroke(cr);
        if (every < 1440)
            snprintf(label, sizeof(label), "%02d:%02d", l.minute / 60, l.minute % 60);
        else
            snprintf(label, sizeof(label), "%s %02d-%02d", days[l.wday], l.month, l.day);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_at(cr, x, f->y0 + f->h + 8, label, 0.5, 1.0);
    }
}

static void value_axes(cairo_t *cr, const struct frame *f, double stick, double htick)
{
    char label[32];

    cairo_set_font_size(cr, 11);
    for (double v = 0; v <= f->smax + 0.5; v += stick) {
        double y = ys(f, v);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.10);
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x0 + f->w, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(label, sizeof(label), "%.0f", v);
        text_at(cr, f->x0 - 6, y, label, 1.0, 0.5);
    }
    for (double v = 0; v <= f->hmax + 0.5; v += htick) {
        snprintf(label, sizeof(label), "%.0f", v);
        text_at(cr, f->x0 + f->w + 6, yh(f, v), label, 0.0, 0.5);
    }
    cairo_save(cr);
    cairo_translate(cr, 16, f->y0 + f->h / 2);
    cairo_rotate(cr, -1.5707963);
    text_at(cr, 0, 0, "sessions / capacity (users)", 0.5, 0.5);
    cairo_restore(cr);
    cairo_save(cr);
    cairo_translate(cr, f->x0 + f->w + MR - 16, f->y0 + f->h / 2);
    cairo_rotate(cr, 1.5707963);
    text_at(cr, 0, 0, "hosts in service", 0.5, 0.5);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f->x0, f->y0, f->w, f->h);
    cairo_stroke(cr);
}

/* A step line through the series of R, value V(sample), on axis Y. */
static void step_line(cairo_t *cr, const struct frame *f, const struct gf_sim_result *r,
                      int (*value)(const struct gf_sim_sample *),
                      double (*y)(const struct frame *, double))
{
    for (int i = 0; i < r->nseries; i++) {
        double x = xt(f, r->series[i].t), v = y(f, value(&r->series[i]));
        if (i == 0)
            cairo_move_to(cr, x, v);
        else
            cairo_line_to(cr, x, v);
        cairo_line_to(cr, i + 1 < r->nseries ? xt(f, r->series[i + 1].t) : f->x0 + f->w, v);
    }
    cairo_stroke(cr);
}

static int v_demand(const struct gf_sim_sample *s)
{
    return s->demand;
}
static int v_capacity(const struct gf_sim_sample *s)
{
    return s->capacity;
}
static int v_hosts(const struct gf_sim_sample *s)
{
    return s->in_service;
}

static void legend(cairo_t *cr, const struct frame *f, const struct gf_sim_result *res, int n)
{
    double x = f->x0 + 10, y = f->y0 + 10, lh = 16, w = 0;
    int rows = 1 + 2 * n + 1;
    char label[600];

    cairo_set_font_size(cr, 11);
    for (int i = 0; i < n; i++) {
        cairo_text_extents_t e;
        snprintf(label, sizeof(label), "%s: hosts in service (right axis)",
                 base_name(res[i].policy));
        cairo_text_extents(cr, label, &e);
        if (e.width > w)
            w = e.width;
    }
    if (w < 330)
        w = 330;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
    cairo_rectangle(cr, x, y, w + 44, rows * lh + 8);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.4);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    y += 4 + lh / 2;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, x + 6, y);
    cairo_line_to(cr, x + 30, y);
    cairo_stroke(cr);
    text_at(cr, x + 36, y, "sessions (trace)", 0, 0.5);
    for (int i = 0; i < n; i++) {
        const double *c = colors[i % NCOLORS];
        y += lh;
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x + 6, y);
        cairo_line_to(cr, x + 30, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(label, sizeof(label), "%s: capacity (hosts in service x %d)",
                 base_name(res[i].policy), res[i].max_sessions);
        text_at(cr, x + 36, y, label, 0, 0.5);
        y += lh;
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_dash(cr, (double[]){5, 3}, 2, 0);
        cairo_move_to(cr, x + 6, y);
        cairo_line_to(cr, x + 30, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(label, sizeof(label), "%s: hosts in service (right axis)",
                 base_name(res[i].policy));
        text_at(cr, x + 36, y, label, 0, 0.5);
    }
    y += lh;
    for (int ph = 0; ph < GF_NPHASES; ph++) {
        double px = x + 6 + ph * 96;
        cairo_set_source_rgb(cr, phase_fill[ph][0], phase_fill[ph][1], phase_fill[ph][2]);
        cairo_rectangle(cr, px, y - 5, 12, 10);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.4);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_at(cr, px + 16, y, gf_phase_name((enum gf_phase_id)ph), 0, 0.5);
    }
}

static void draw(cairo_t *cr, int width, int height, const char *title,
                 const struct gf_sim_result *res, int n)
{
    struct frame f = {.x0 = ML, .y0 = MT, .w = width - ML - MR, .h = height - MT - MB};
    double smax = 0, hmax = 0, stick, htick;

    f.from = res[0].from;
    f.to = res[0].to;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < res[k].nseries; i++) {
            const struct gf_sim_sample *s = &res[k].series[i];
            if (s->demand > smax)
                smax = s->demand;
            if (s->capacity > smax)
                smax = s->capacity;
            if (s->in_service > hmax)
                hmax = s->in_service;
        }
    f.smax = nice_top(smax * 1.05, &stick);
    f.hmax = nice_top(hmax * 1.05, &htick);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    shade_phases(cr, &f, &res[0]);
    time_axis(cr, &f, res[0].zone);
    value_axes(cr, &f, stick, htick);
    cairo_save(cr);
    cairo_rectangle(cr, f.x0, f.y0, f.w, f.h);
    cairo_clip(cr);
    for (int k = 0; k < n; k++) {
        const double *c = colors[k % NCOLORS];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 2);
        step_line(cr, &f, &res[k], v_capacity, ys);
        cairo_set_dash(cr, (double[]){5, 3}, 2, 0);
        cairo_set_line_width(cr, 1.5);
        step_line(cr, &f, &res[k], v_hosts, yh);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.5);
    step_line(cr, &f, &res[0], v_demand, ys);
    cairo_restore(cr);
    legend(cr, &f, res, n);
    if (title) {
        cairo_set_font_size(cr, 14);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_at(cr, width / 2.0, MT / 2, title, 0.5, 0.5);
    }
}

int gf_plot_write(const char *file, int width, int height, const char *title,
                  const struct gf_sim_result *res, int n)
{
    size_t len = strlen(file);
    int svg = len > 4 && strcmp(file + len - 4, ".svg") == 0;
    int png = len > 4 && strcmp(file + len - 4, ".png") == 0;
    cairo_surface_t *surface;
    cairo_status_t st;
    cairo_t *cr;

    if (!svg && !png) {
        gf_err(GF_ERR_INPUT, "--plot %s: the file must end in .png or .svg", file);
        return -1;
    }
    if (n < 1 || !res[0].nseries || res[0].to <= res[0].from) {
        gf_err(GF_ERR_INPUT, "--plot: nothing was simulated");
        return -1;
    }
    surface = svg ? cairo_svg_surface_create(file, width, height)
                  : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (svg)
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
    cr = cairo_create(surface);
    draw(cr, width, height, title, res, n);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && png)
        st = cairo_surface_write_to_png(surface, file);
    cairo_surface_finish(surface);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        gf_err(GF_ERR_OP, "writing the plot %s: %s", file, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}
