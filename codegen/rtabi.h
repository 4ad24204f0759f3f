/*
 * rtabi.h - constants shared with the runtime ABI (rt/nostos.h).
 *
 * The compiler does not include rt/nostos.h; the numbers and offsets here
 * must match it. test/rt/test_abi.c checks them against the real header.
 */
#ifndef NOSTOS_RTABI_H
#define NOSTOS_RTABI_H

enum {
    RT_NT_UNIT, RT_NT_BOOL, RT_NT_CHAR, RT_NT_INT, RT_NT_I8, RT_NT_I16, RT_NT_I32, RT_NT_U8, RT_NT_U16,
    RT_NT_U32, RT_NT_U64, RT_NT_FLOAT, RT_NT_F32, RT_NT_BIGINT, RT_NT_DECIMAL, RT_NT_STRING, RT_NT_PID,
    RT_NT_LIST, RT_NT_TUPLE, RT_NT_RECORD, RT_NT_VARIANT, RT_NT_FUN, RT_NT_MAP, RT_NT_SET,
    RT_NT_ARRAY_I64, RT_NT_ARRAY_F64, RT_NT_ARRAY_F32, RT_NT_BUFFER, RT_NT_OPAQUE, RT_NT_DYN
};

#define RT_TF_MUTABLE 1

/* nos_exc_frame_t: prev, type, value, then the jmp_buf. */
#define RT_EXC_TYPE_OFF 8
#define RT_EXC_VALUE_OFF 16
#define RT_EXC_JB_OFF 24
#define RT_EXC_FRAME_BYTES 512

/* nos_msg_t: next, type, value. */
#define RT_MSG_TYPE_OFF 8
#define RT_MSG_VALUE_OFF 16

/* nos_recv_t: 4 words. */
#define RT_RECV_BYTES 32

/* nos_mvar_t: value, type, lock[6]. */
#define RT_MVAR_BYTES 64

/* nos_str_t: len, nchars, data. */
#define RT_STR_DATA_OFF 16

#endif
