/* control.c - vmctl's side of goldfarmd's control socket: where it is,
 * asking, and what an answer means for vmctl's exit code. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/json.h"
#include "control/wire.h"
#include "vmctl.h"

#define ASK_MS 120000 /* an answer comes once the daemon checked: libvirt may be slow */

const char *vmctl_control_path(const struct vmctl_ctx *ctx, const struct vmctl_args *args,
                               char *buf, size_t len)
{
    const char *path = vmctl_opt(args, "control"), *dir = vmctl_opt(args, "state-dir");

    if (path)
        snprintf(buf, len, "%s", path);
    else if (dir)
        gf_ctl_default_path(dir, buf, len);
    else
        snprintf(buf, len, "%s", ctx->control ? ctx->control : GF_CTL_SOCKET);
    return buf;
}

int vmctl_ask(struct vmctl_ctx *ctx, const struct vmctl_args *args, const struct gf_ctl_req *r,
              json_object **answer)
{
    char path[4200], reason[1024];
    json_object *a;
    enum gf_ctl_code code;

    *answer = NULL;
    if (!(a = gf_ctl_call(vmctl_control_path(ctx, args, path, sizeof(path)), r, ASK_MS)))
        return -1;
    if ((code = gf_ctl_answer_code(a)) == GF_CTL_OK) {
        *answer = a;
        return 0;
    }
    gf_json_text(a, "reason", reason, sizeof(reason));
    /* a refusal: nothing was done, and the reason says why (exit 2); the
     * daemon failing to do it is an operation that failed (exit 1) */
    gf_err(code == GF_CTL_FAILED ? GF_ERR_OP : GF_ERR_INPUT, "%s",
           reason[0] ? reason : gf_ctl_code_name(code));
    json_object_put(a);
    return -1;
}

void vmctl_say(struct vmctl_ctx *ctx, json_object *answer)
{
    char message[1024];

    if (gf_json_text(answer, "message", message, sizeof(message))[0])
        fprintf(ctx->out, "%s\n", message);
}
