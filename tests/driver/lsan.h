/* lsan.h - turn LeakSanitizer off around a simulated crash (a fault point
 * that exits the process mid-operation), whose held memory is not a leak;
 * no-ops in a build without AddressSanitizer. */
#ifndef GF_TEST_LSAN_H
#define GF_TEST_LSAN_H

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LSAN_DISABLE() __lsan_disable()
#define LSAN_ENABLE() __lsan_enable()
#else
#define LSAN_DISABLE() ((void)0)
#define LSAN_ENABLE() ((void)0)
#endif

#endif
