#ifndef SEQBENCH_CHDF5_SHIM_H
#define SEQBENCH_CHDF5_SHIM_H

// Thin C shim over the HDF5 C library for Swift.
//
// Many HDF5 "constants" are macros that expand to global variables behind a
// call to H5open() (H5T_NATIVE_FLOAT, H5P_FILE_ACCESS, ...), or to casts
// (H5S_ALL, H5T_VARIABLE, H5F_ACC_*). Swift cannot import those, and Swift 6
// rejects direct use of the mutable `_g` globals, so each one is exposed here
// through a tiny `static inline` function.

#include <hdf5.h>

// MARK: - Library

/// Disables HDF5's automatic error-stack printing for the calling thread.
///
/// In a thread-safe HDF5 build the error stack, and with it the "auto print"
/// setting, is thread-local, so a single H5Eset_auto2 call only silences the
/// thread that made it. This helper does the call once per thread.
static inline void seq_silence_errors_on_this_thread(void) {
    static _Thread_local int silenced = 0;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        silenced = 1;
    }
}

static inline hid_t seq_error_default(void) { return H5E_DEFAULT; }
static inline hid_t seq_p_default(void) { return H5P_DEFAULT; }
static inline hid_t seq_s_all(void) { return H5S_ALL; }
static inline size_t seq_t_variable(void) { return H5T_VARIABLE; }
static inline unsigned seq_f_obj_all(void) { return H5F_OBJ_ALL; }

// MARK: - File access flags

static inline unsigned seq_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned seq_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned seq_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned seq_f_acc_excl(void) { return H5F_ACC_EXCL; }

// MARK: - Property list classes

static inline hid_t seq_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t seq_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t seq_p_attribute_create(void) { return H5P_ATTRIBUTE_CREATE; }

// MARK: - Predefined datatypes

static inline hid_t seq_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t seq_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t seq_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t seq_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t seq_native_uint64(void) { return H5T_NATIVE_UINT64; }

static inline hid_t seq_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t seq_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t seq_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t seq_std_i64le(void) { return H5T_STD_I64LE; }

static inline hid_t seq_c_s1(void) { return H5T_C_S1; }

// MARK: - Object info

/// `H5O_INFO_BASIC` (fileno, addr, type, rc), for `H5Oget_info2`.
static inline unsigned seq_o_info_basic(void) { return H5O_INFO_BASIC; }

#endif // SEQBENCH_CHDF5_SHIM_H
