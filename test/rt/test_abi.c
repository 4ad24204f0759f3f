/*
 * test_abi.c - the compiler's copy of the runtime ABI (codegen/rtabi.h) must match
 * rt/nostos.h: descriptor kinds, flags and the offsets generated code uses.
 * Everything is checked at compile time; the program only reports success.
 */
#include <stddef.h>
#include <stdio.h>

#include "../../codegen/rtabi.h"
#include "nostos.h"

_Static_assert(RT_NT_UNIT == NT_UNIT && RT_NT_BOOL == NT_BOOL && RT_NT_CHAR == NT_CHAR, "kinds");
_Static_assert(RT_NT_INT == NT_INT && RT_NT_I8 == NT_I8 && RT_NT_U64 == NT_U64, "kinds");
_Static_assert(RT_NT_FLOAT == NT_FLOAT && RT_NT_F32 == NT_F32 && RT_NT_BIGINT == NT_BIGINT, "kinds");
_Static_assert(RT_NT_DECIMAL == NT_DECIMAL && RT_NT_STRING == NT_STRING && RT_NT_PID == NT_PID, "kinds");
_Static_assert(RT_NT_LIST == NT_LIST && RT_NT_TUPLE == NT_TUPLE && RT_NT_RECORD == NT_RECORD, "kinds");
_Static_assert(RT_NT_VARIANT == NT_VARIANT && RT_NT_FUN == NT_FUN && RT_NT_MAP == NT_MAP, "kinds");
_Static_assert(RT_NT_SET == NT_SET && RT_NT_ARRAY_I64 == NT_ARRAY_I64 && RT_NT_ARRAY_F32 == NT_ARRAY_F32, "kinds");
_Static_assert(RT_NT_BUFFER == NT_BUFFER && RT_NT_OPAQUE == NT_OPAQUE && RT_NT_DYN == NT_DYN, "kinds");
_Static_assert(RT_TF_MUTABLE == NOS_TF_MUTABLE, "flags");

_Static_assert(offsetof(nos_exc_frame_t, type) == RT_EXC_TYPE_OFF, "exception frame");
_Static_assert(offsetof(nos_exc_frame_t, value) == RT_EXC_VALUE_OFF, "exception frame");
_Static_assert(offsetof(nos_exc_frame_t, jb) == RT_EXC_JB_OFF, "exception frame");
_Static_assert(sizeof(nos_exc_frame_t) <= RT_EXC_FRAME_BYTES, "exception frame");
_Static_assert(offsetof(nos_msg_t, type) == RT_MSG_TYPE_OFF && offsetof(nos_msg_t, value) == RT_MSG_VALUE_OFF, "msg");
_Static_assert(sizeof(nos_recv_t) <= RT_RECV_BYTES, "receive state");
_Static_assert(sizeof(nos_mvar_t) <= RT_MVAR_BYTES && offsetof(nos_mvar_t, value) == 0, "mvar");
_Static_assert(offsetof(nos_str_t, data) == RT_STR_DATA_OFF, "string");

/* The descriptor layout codegen emits: {i32 kind, i32 n, ptr name, ptr elems, ptr field_names,
 * ptr ctors, i32 flags, ptr show} and ctors {ptr name, i32 n, ptr fields, ptr field_names}. */
_Static_assert(offsetof(nos_type_t, name) == 8 && offsetof(nos_type_t, ctors) == 32, "descriptor");
_Static_assert(offsetof(nos_type_t, flags) == 40 && offsetof(nos_type_t, show) == 48, "descriptor");
_Static_assert(offsetof(nos_ctor_t, fields) == 16 && offsetof(nos_ctor_t, field_names) == 24, "ctor");

int main(void) {
    puts("ABI constants match: 1 passed, 0 failed");
    return 0;
}
