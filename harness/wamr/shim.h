/*
 * tierdiff's C ABI over one WAMR execution mode.
 *
 * WAMR's embedding API changes between releases (functions come and go,
 * enums gain members, structures grow); tierdiff loads this library with
 * dlopen and sees only the functions below, whose shape stays fixed. Raise
 * TDW_ABI when it changes: the Rust side refuses a library of another ABI.
 *
 * Values cross as WAMR's own argument cells (uint32 words): i32, f32 and
 * funcref (a function index, 0xFFFFFFFF for null) take one, i64 and f64
 * two, v128 four, externref two (the host object pointer, see
 * tdw_externref_obj). Messages are copied into the caller's buffer.
 */
#ifndef TIERDIFF_WAMR_SHIM_H
#define TIERDIFF_WAMR_SHIM_H

#include <stdint.h>

#define TDW_ABI 1

/* Proposals this build runs, for tdw_features. */
#define TDW_F_BULK_MEMORY (1u << 0)
#define TDW_F_REFERENCE_TYPES (1u << 1)
#define TDW_F_TAIL_CALL (1u << 2)
#define TDW_F_EXTENDED_CONST (1u << 3)
#define TDW_F_SIMD (1u << 4)
#define TDW_F_MEMORY64 (1u << 5)
#define TDW_F_MULTI_MEMORY (1u << 6)
/* State this build can read, for tdw_features. */
#define TDW_F_READ_GLOBALS (1u << 16)
#define TDW_F_READ_TABLES (1u << 17)
/* Memories by name (WAMR 2.2 on); before that only memory 0 exists. */
#define TDW_F_READ_NAMED_MEMORIES (1u << 18)

typedef struct tdw_instance tdw_instance;

uint32_t tdw_abi(void);
/* "wamr-classic", "wamr-fast" or "wamr-fast-jit". */
const char *tdw_mode(void);
/* WAMR's version, "MAJOR.MINOR.PATCH", or "unknown". */
const char *tdw_version(void);
uint32_t tdw_features(void);

/* Starts WAMR once per process (later calls return the first result);
   0 on success. */
int tdw_init(char *err, uint32_t err_len);

/* Loads a module. `bytes` must stay valid and writable until tdw_unload
   (WAMR keeps pointers into it). NULL with a message on failure. */
void *tdw_load(uint8_t *bytes, uint32_t len, char *err, uint32_t err_len);
void tdw_unload(void *module);

/* Instantiates a module with every memory capped at `max_memory_pages`
   (0: no cap beyond the module's) and a wasm stack of `stack_size` bytes
   for its calls. NULL with a message on failure. */
tdw_instance *tdw_instantiate(void *module, uint32_t max_memory_pages,
                              uint32_t stack_size, char *err,
                              uint32_t err_len);
void tdw_deinstantiate(tdw_instance *inst);

/* An exported function, or NULL. */
void *tdw_lookup(tdw_instance *inst, const char *name);
/* Calls `func` with `argc` argument cells in `argv`; its result cells
   replace them (argv must hold the larger of the two). 1 when it returned;
   0 when it raised an exception, whose message is copied out. The
   exception is cleared either way. */
int tdw_call(tdw_instance *inst, void *func, uint32_t *argv, uint32_t argc,
             char *err, uint32_t err_len);
/* Ends the call running in `inst` (from any thread) with the exception
   "terminated by user". */
void tdw_terminate(tdw_instance *inst);

/* Copies `size` bytes of exported global `name` (4, 8 or 16; a reference
   is a 4-byte index). 1 done, 0 no such global, -1 not readable here. */
int tdw_global(tdw_instance *inst, const char *name, uint8_t *out,
               uint32_t size);
/* Where exported memory `name` lives and how many bytes it has now (valid
   until the next call). 1 done, 0 no such memory. */
int tdw_memory(tdw_instance *inst, const char *name, uint8_t **base,
               uint64_t *size);
/* The size of exported table `name`, its first min(size, cap) elements
   copied to `out` as 4-byte indices; -1 no such table, -2 not readable
   here. */
int64_t tdw_table(tdw_instance *inst, const char *name, uint32_t *out,
                  uint32_t cap);
/* The host object behind externref index `idx`: 1 and *obj, or 0 when
   WAMR's externref map does not know it. */
int tdw_externref_obj(uint32_t idx, uint64_t *obj);

#endif
