/*
 * tierdiff's shim over WAMR's embedding API (see shim.h for the ABI).
 *
 * Built together with one WAMR execution mode into one shared library by
 * CMakeLists.txt beside it. It relies on what WAMR 2.0.0 already has; the
 * state readers that came later (exported globals and tables in 2.1,
 * memories by name in 2.2) are compiled in when the tree declares them
 * (TDW_HAVE_*) and reported through tdw_features.
 */
#include "shim.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "wasm_export.h"
#if __has_include("version.h")
#include "version.h"
#endif
#if defined(TDW_HAVE_EXPORT_TABLE)
/* table_elem_type_t: how wide a table element is in this tree. */
#include "wasm.h"
#endif

#define TDW_STR2(x) #x
#define TDW_STR(x) TDW_STR2(x)

/* Room for fast JIT code of every live module; reserved, not committed. */
#define TDW_JIT_CODE_CACHE (64u << 20)

#if WASM_ENABLE_FAST_JIT != 0
/* The stderr of the system's asmjit archive (see CMakeLists.txt). */
__attribute__((visibility("hidden"))) FILE *tdw_asmjit_stderr;

__attribute__((constructor)) static void
tdw_set_asmjit_stderr(void)
{
    tdw_asmjit_stderr = stderr;
}
#endif

struct tdw_instance {
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
};

static void
copy_message(char *err, uint32_t err_len, const char *message)
{
    if (err && err_len > 0) {
        snprintf(err, err_len, "%s", message ? message : "");
    }
}

uint32_t
tdw_abi(void)
{
    return TDW_ABI;
}

const char *
tdw_mode(void)
{
    return TDW_MODE_NAME;
}

const char *
tdw_version(void)
{
#if defined(WAMR_VERSION_MAJOR) && defined(WAMR_VERSION_MINOR) \
    && defined(WAMR_VERSION_PATCH)
    return TDW_STR(WAMR_VERSION_MAJOR) "." TDW_STR(
        WAMR_VERSION_MINOR) "." TDW_STR(WAMR_VERSION_PATCH);
#else
    return "unknown";
#endif
}

uint32_t
tdw_features(void)
{
    uint32_t f = 0;
#if WASM_ENABLE_BULK_MEMORY != 0
    f |= TDW_F_BULK_MEMORY;
#endif
#if WASM_ENABLE_REF_TYPES != 0
    f |= TDW_F_REFERENCE_TYPES;
#endif
#if WASM_ENABLE_TAIL_CALL != 0
    f |= TDW_F_TAIL_CALL;
#endif
#if defined(WASM_ENABLE_EXTENDED_CONST_EXPR) \
    && WASM_ENABLE_EXTENDED_CONST_EXPR != 0
    f |= TDW_F_EXTENDED_CONST;
#endif
    /* The classic interpreter and the fast JIT have no SIMD; the fast
       interpreter runs it through SIMDe (WAMR 2.3 on). */
#if WASM_ENABLE_SIMD != 0 && WASM_ENABLE_FAST_INTERP != 0 \
    && defined(WASM_ENABLE_SIMDE) && WASM_ENABLE_SIMDE != 0
    f |= TDW_F_SIMD;
#endif
    /* 64-bit tables came with 2.2; before, memory64 alone would reject a
       module the proposal allows. */
#if WASM_ENABLE_MEMORY64 != 0 && defined(WAMR_VERSION_MAJOR) \
    && (WAMR_VERSION_MAJOR > 2                               \
        || (WAMR_VERSION_MAJOR == 2 && WAMR_VERSION_MINOR >= 2))
    f |= TDW_F_MEMORY64;
#endif
#if WASM_ENABLE_MULTI_MEMORY != 0
    f |= TDW_F_MULTI_MEMORY;
#endif
#if defined(TDW_HAVE_EXPORT_GLOBAL)
    f |= TDW_F_READ_GLOBALS;
#endif
#if defined(TDW_HAVE_EXPORT_TABLE)
    f |= TDW_F_READ_TABLES;
#endif
#if defined(TDW_HAVE_LOOKUP_MEMORY)
    f |= TDW_F_READ_NAMED_MEMORIES;
#endif
    return f;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void
init_runtime(void)
{
    RuntimeInitArgs args;

    memset(&args, 0, sizeof(args));
    args.mem_alloc_type = Alloc_With_System_Allocator;
#if WASM_ENABLE_FAST_JIT != 0
    args.running_mode = Mode_Fast_JIT;
    args.fast_jit_code_cache_size = TDW_JIT_CODE_CACHE;
#else
    args.running_mode = Mode_Interp;
#endif
    /* WAMR logs to stdout, which may be a protocol channel. */
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_FATAL);
    init_ok = wasm_runtime_full_init(&args);
}

int
tdw_init(char *err, uint32_t err_len)
{
    pthread_once(&init_once, init_runtime);
    if (!init_ok) {
        copy_message(err, err_len, "wasm_runtime_full_init failed");
        return -1;
    }
    return 0;
}

void *
tdw_load(uint8_t *bytes, uint32_t len, char *err, uint32_t err_len)
{
    return wasm_runtime_load(bytes, len, err, err_len);
}

void
tdw_unload(void *module)
{
    wasm_runtime_unload((wasm_module_t)module);
}

tdw_instance *
tdw_instantiate(void *module, uint32_t max_memory_pages, uint32_t stack_size,
                char *err, uint32_t err_len)
{
    InstantiationArgs args;
    tdw_instance *ti = calloc(1, sizeof(*ti));

    if (!ti) {
        copy_message(err, err_len, "out of host memory");
        return NULL;
    }
    memset(&args, 0, sizeof(args));
    args.default_stack_size = stack_size;
    args.host_managed_heap_size = 0;
    args.max_memory_pages = max_memory_pages;
    ti->inst = wasm_runtime_instantiate_ex((wasm_module_t)module, &args, err,
                                           err_len);
    if (!ti->inst) {
        free(ti);
        return NULL;
    }
    ti->env = wasm_runtime_create_exec_env(ti->inst, stack_size);
    if (!ti->env) {
        copy_message(err, err_len, "wasm_runtime_create_exec_env failed");
        wasm_runtime_deinstantiate(ti->inst);
        free(ti);
        return NULL;
    }
    return ti;
}

void
tdw_deinstantiate(tdw_instance *ti)
{
    if (!ti) {
        return;
    }
    wasm_runtime_destroy_exec_env(ti->env);
    wasm_runtime_deinstantiate(ti->inst);
    free(ti);
}

void *
tdw_lookup(tdw_instance *ti, const char *name)
{
    return wasm_runtime_lookup_function(ti->inst, name);
}

int
tdw_call(tdw_instance *ti, void *func, uint32_t *argv, uint32_t argc,
         char *err, uint32_t err_len)
{
    bool ok;

    /* A budget that ran out just after the previous call returned may
       have left its termination behind. */
    wasm_runtime_clear_exception(ti->inst);
    ok = wasm_runtime_call_wasm(ti->env, (wasm_function_inst_t)func, argc,
                                argv);
    if (!ok) {
        const char *message = wasm_runtime_get_exception(ti->inst);
        copy_message(err, err_len,
                     message ? message : "call failed without an exception");
    }
    wasm_runtime_clear_exception(ti->inst);
    return ok ? 1 : 0;
}

void
tdw_terminate(tdw_instance *ti)
{
    wasm_runtime_terminate(ti->inst);
}

int
tdw_global(tdw_instance *ti, const char *name, uint8_t *out, uint32_t size)
{
#if defined(TDW_HAVE_EXPORT_GLOBAL)
    wasm_global_inst_t global;

    if (!wasm_runtime_get_export_global_inst(ti->inst, name, &global)) {
        return 0;
    }
    memcpy(out, global.global_data, size);
    return 1;
#else
    (void)ti;
    (void)name;
    (void)out;
    (void)size;
    return -1;
#endif
}

int
tdw_memory(tdw_instance *ti, const char *name, uint8_t **base,
           uint64_t *size)
{
#if defined(TDW_HAVE_LOOKUP_MEMORY)
    wasm_memory_inst_t memory = wasm_runtime_lookup_memory(ti->inst, name);

    if (!memory) {
        return 0;
    }
    /* A memory that cannot grow may be one page of all its bytes. */
    *size = (uint64_t)wasm_memory_get_cur_page_count(memory)
            * wasm_memory_get_bytes_per_page(memory);
    *base = wasm_memory_get_base_address(memory);
    return 1;
#else
    /* Before 2.2 a module has at most one memory: the exported one. */
    uint64_t start = 0, end = 0;

    (void)name;
    *base = NULL;
    *size = 0;
    if (wasm_runtime_get_app_addr_range(ti->inst, 0, &start, &end)) {
        *size = end - start;
        *base = wasm_runtime_addr_app_to_native(ti->inst, 0);
    }
    return 1;
#endif
}

int64_t
tdw_table(tdw_instance *ti, const char *name, uint32_t *out, uint32_t cap)
{
#if defined(TDW_HAVE_EXPORT_TABLE)
    wasm_table_inst_t table;
    uint32_t i;

    if (!wasm_runtime_get_export_table_inst(ti->inst, name, &table)) {
        return -1;
    }
    for (i = 0; i < table.cur_size && i < cap; i++) {
        out[i] = (uint32_t)((const table_elem_type_t *)table.elems)[i];
    }
    return table.cur_size;
#else
    (void)ti;
    (void)name;
    (void)out;
    (void)cap;
    return -2;
#endif
}

int
tdw_externref_obj(uint32_t idx, uint64_t *obj)
{
    void *p = NULL;

    if (!wasm_externref_ref2obj(idx, &p)) {
        return 0;
    }
    *obj = (uint64_t)(uintptr_t)p;
    return 1;
}
