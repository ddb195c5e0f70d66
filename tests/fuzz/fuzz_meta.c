/* fuzz_meta.c - the metadata parser (gf_meta_from_node) on any metadata
 * element's XML, read as gf_meta_get reads what libvirt returns.
 *
 * For every input: a refusal has one error, one line of printable text;
 * what is read has a role, and written back with gf_meta_to_node it reads
 * back the same. */
#include "fuzz.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "model/meta.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gf_err_init();
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xmlDocPtr doc;
    xmlNodePtr root, node;
    struct gf_meta m, back;

    if (size > 1 << 20)
        return 0;
    doc = xmlReadMemory((const char *)data, (int)size, "metadata.xml", NULL, XML_PARSE_NONET);
    if (!doc || !(root = xmlDocGetRootElement(doc))) {
        xmlFreeDoc(doc);
        return 0;
    }
    gf_err_clear();
    if (gf_meta_from_node(root, &m) < 0) {
        FUZZ_CHECK(*gf_err_message(), "refused without an error");
        FUZZ_CHECK(fuzz_clean_lines(gf_err_message(), "goldfarm metadata: "),
                   "an error that is not one clean line");
        FUZZ_CHECK(!strchr(gf_err_message(), '\n'), "an error of more than one line");
    } else {
        FUZZ_CHECK(m.role == GF_ROLE_GOLD || m.role == GF_ROLE_HOST, "no role");
        FUZZ_CHECK(m.image_version <= GF_VERSION_MAX && m.parent_version <= GF_VERSION_MAX,
                   "a version out of range");
        FUZZ_CHECK((node = gf_meta_to_node(&m, doc, 1)), "gf_meta_to_node");
        FUZZ_CHECK(gf_meta_from_node(node, &back) == 0, "what was written does not read back");
        FUZZ_CHECK(memcmp(&m, &back, sizeof(m)) == 0, "what was written reads back different");
        xmlFreeNode(node);
    }
    xmlFreeDoc(doc);
    return 0;
}
