/* Minimal stand-in for <Python.h>: the vendored MurmurHash3 only needs Py_ssize_t. */
#include <stddef.h>
typedef long Py_ssize_t;
