"""Hand-written C declarations for the Corosync 3 client libraries (cffi ABI mode).

Everything here was transcribed from the Corosync 3.1.x public headers
(``<corosync/corotypes.h>``, ``cpg.h``, ``quorum.h``, ``votequorum.h``, ``cmap.h``,
``cfg.h``).  Only what the binding uses is declared.

The declarations are kept in two kinds of strings so that ``tests/pycorosync/test_abi_guard.py``
can check them against the real headers with a C compiler:

* ``TYPES``: enums, structs and typedefs.  Struct sizes/field offsets and enum values are
  compared with what the compiler computes from the headers (``ABI_TYPES``, ``ABI_ENUMS``).
* ``FUNCTIONS`` and ``CALLBACK_TYPEDEFS``: pasted verbatim after ``#include`` of the real
  headers; any prototype or callback type that differs is a "conflicting types" compile error.

``ABI_CONSTANTS`` are ``#define`` values mirrored as Python constants.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- types
# corotypes.h and friends.  ``struct iovec`` is from <sys/uio.h>.
BASE_TYPES = """
typedef int64_t cs_time_t;

typedef enum {
    CS_DISPATCH_ONE = 1,
    CS_DISPATCH_ALL = 2,
    CS_DISPATCH_BLOCKING = 3,
    CS_DISPATCH_ONE_NONBLOCKING = 4
} cs_dispatch_flags_t;

typedef enum {
    CS_OK = 1,
    CS_ERR_LIBRARY = 2,
    CS_ERR_VERSION = 3,
    CS_ERR_INIT = 4,
    CS_ERR_TIMEOUT = 5,
    CS_ERR_TRY_AGAIN = 6,
    CS_ERR_INVALID_PARAM = 7,
    CS_ERR_NO_MEMORY = 8,
    CS_ERR_BAD_HANDLE = 9,
    CS_ERR_BUSY = 10,
    CS_ERR_ACCESS = 11,
    CS_ERR_NOT_EXIST = 12,
    CS_ERR_NAME_TOO_LONG = 13,
    CS_ERR_EXIST = 14,
    CS_ERR_NO_SPACE = 15,
    CS_ERR_INTERRUPT = 16,
    CS_ERR_NAME_NOT_FOUND = 17,
    CS_ERR_NO_RESOURCES = 18,
    CS_ERR_NOT_SUPPORTED = 19,
    CS_ERR_BAD_OPERATION = 20,
    CS_ERR_FAILED_OPERATION = 21,
    CS_ERR_MESSAGE_ERROR = 22,
    CS_ERR_QUEUE_FULL = 23,
    CS_ERR_QUEUE_NOT_AVAILABLE = 24,
    CS_ERR_BAD_FLAGS = 25,
    CS_ERR_TOO_BIG = 26,
    CS_ERR_NO_SECTIONS = 27,
    CS_ERR_CONTEXT_NOT_FOUND = 28,
    CS_ERR_TOO_MANY_GROUPS = 30,
    CS_ERR_SECURITY = 100
} cs_error_t;

struct iovec {
    void *iov_base;
    size_t iov_len;
};
"""

CPG_TYPES = """
typedef uint64_t cpg_handle_t;
typedef uint64_t cpg_iteration_handle_t;

typedef enum {
    CPG_TYPE_UNORDERED,
    CPG_TYPE_FIFO,
    CPG_TYPE_AGREED,
    CPG_TYPE_SAFE
} cpg_guarantee_t;

typedef enum {
    CPG_FLOW_CONTROL_DISABLED,
    CPG_FLOW_CONTROL_ENABLED
} cpg_flow_control_state_t;

typedef enum {
    CPG_REASON_UNDEFINED = 0,
    CPG_REASON_JOIN = 1,
    CPG_REASON_LEAVE = 2,
    CPG_REASON_NODEDOWN = 3,
    CPG_REASON_NODEUP = 4,
    CPG_REASON_PROCDOWN = 5
} cpg_reason_t;

typedef enum {
    CPG_ITERATION_NAME_ONLY = 1,
    CPG_ITERATION_ONE_GROUP = 2,
    CPG_ITERATION_ALL = 3
} cpg_iteration_type_t;

typedef enum {
    CPG_MODEL_V1 = 1
} cpg_model_t;

struct cpg_address {
    uint32_t nodeid;
    uint32_t pid;
    uint32_t reason;
};

struct cpg_name {
    uint32_t length;
    char value[128];
};

struct cpg_iteration_description_t {
    struct cpg_name group;
    uint32_t nodeid;
    uint32_t pid;
};

struct cpg_ring_id {
    uint32_t nodeid;
    uint64_t seq;
};
"""

CPG_CALLBACK_TYPEDEFS = """
typedef void (*cpg_deliver_fn_t) (cpg_handle_t handle, const struct cpg_name *group_name,
    uint32_t nodeid, uint32_t pid, void *msg, size_t msg_len);
typedef void (*cpg_confchg_fn_t) (cpg_handle_t handle, const struct cpg_name *group_name,
    const struct cpg_address *member_list, size_t member_list_entries,
    const struct cpg_address *left_list, size_t left_list_entries,
    const struct cpg_address *joined_list, size_t joined_list_entries);
typedef void (*cpg_totem_confchg_fn_t) (cpg_handle_t handle, struct cpg_ring_id ring_id,
    uint32_t member_list_entries, const uint32_t *member_list);
"""

CPG_TYPES_2 = """
typedef struct {
    cpg_model_t model;
} cpg_model_data_t;

typedef struct {
    cpg_model_t model;
    cpg_deliver_fn_t cpg_deliver_fn;
    cpg_confchg_fn_t cpg_confchg_fn;
    cpg_totem_confchg_fn_t cpg_totem_confchg_fn;
    unsigned int flags;
} cpg_model_v1_data_t;
"""

CPG_FUNCTIONS = """
cs_error_t cpg_model_initialize (cpg_handle_t *handle, cpg_model_t model,
    cpg_model_data_t *model_data, void *context);
cs_error_t cpg_finalize (cpg_handle_t handle);
cs_error_t cpg_fd_get (cpg_handle_t handle, int *fd);
cs_error_t cpg_max_atomic_msgsize_get (cpg_handle_t handle, uint32_t *size);
cs_error_t cpg_context_get (cpg_handle_t handle, void **context);
cs_error_t cpg_context_set (cpg_handle_t handle, void *context);
cs_error_t cpg_dispatch (cpg_handle_t handle, cs_dispatch_flags_t dispatch_types);
cs_error_t cpg_join (cpg_handle_t handle, const struct cpg_name *group);
cs_error_t cpg_leave (cpg_handle_t handle, const struct cpg_name *group);
cs_error_t cpg_mcast_joined (cpg_handle_t handle, cpg_guarantee_t guarantee,
    const struct iovec *iovec, unsigned int iov_len);
cs_error_t cpg_membership_get (cpg_handle_t handle, struct cpg_name *groupName,
    struct cpg_address *member_list, int *member_list_entries);
cs_error_t cpg_local_get (cpg_handle_t handle, unsigned int *local_nodeid);
cs_error_t cpg_flow_control_state_get (cpg_handle_t handle,
    cpg_flow_control_state_t *flow_control_enabled);
cs_error_t cpg_iteration_initialize (cpg_handle_t handle, cpg_iteration_type_t iteration_type,
    const struct cpg_name *group, cpg_iteration_handle_t *cpg_iteration_handle);
cs_error_t cpg_iteration_next (cpg_iteration_handle_t handle,
    struct cpg_iteration_description_t *description);
cs_error_t cpg_iteration_finalize (cpg_iteration_handle_t handle);
"""

QUORUM_TYPES = """
typedef enum {
    QUORUM_MODEL_V0 = 0,
    QUORUM_MODEL_V1 = 1
} quorum_model_t;

typedef uint64_t quorum_handle_t;

struct quorum_ring_id {
    uint32_t nodeid;
    uint64_t seq;
};
"""

QUORUM_CALLBACK_TYPEDEFS = """
typedef void (*quorum_v1_quorum_notification_fn_t) (quorum_handle_t handle, uint32_t quorate,
    struct quorum_ring_id ring_id, uint32_t member_list_entries, const uint32_t *member_list);
typedef void (*quorum_v1_nodelist_notification_fn_t) (quorum_handle_t handle,
    struct quorum_ring_id ring_id,
    uint32_t member_list_entries, const uint32_t *member_list,
    uint32_t joined_list_entries, const uint32_t *joined_list,
    uint32_t left_list_entries, const uint32_t *left_list);
"""

QUORUM_TYPES_2 = """
typedef struct {
    quorum_model_t model;
} quorum_model_data_t;

typedef struct {
    quorum_model_t model;
    quorum_v1_quorum_notification_fn_t quorum_notify_fn;
    quorum_v1_nodelist_notification_fn_t nodelist_notify_fn;
} quorum_model_v1_data_t;
"""

QUORUM_FUNCTIONS = """
cs_error_t quorum_model_initialize (quorum_handle_t *handle, quorum_model_t model,
    quorum_model_data_t *model_data, uint32_t *quorum_type, void *context);
cs_error_t quorum_finalize (quorum_handle_t handle);
cs_error_t quorum_fd_get (quorum_handle_t handle, int *fd);
cs_error_t quorum_dispatch (quorum_handle_t handle, cs_dispatch_flags_t dispatch_types);
cs_error_t quorum_getquorate (quorum_handle_t handle, int *quorate);
cs_error_t quorum_trackstart (quorum_handle_t handle, unsigned int flags);
cs_error_t quorum_trackstop (quorum_handle_t handle);
"""

VOTEQUORUM_TYPES = """
typedef uint64_t votequorum_handle_t;

struct votequorum_info {
    unsigned int node_id;
    unsigned int node_state;
    unsigned int node_votes;
    unsigned int node_expected_votes;
    unsigned int highest_expected;
    unsigned int total_votes;
    unsigned int quorum;
    unsigned int flags;
    unsigned int qdevice_votes;
    char qdevice_name[255];
};

typedef struct {
    uint32_t nodeid;
    uint32_t state;
} votequorum_node_t;

typedef struct {
    uint32_t nodeid;
    uint64_t seq;
} votequorum_ring_id_t;
"""

VOTEQUORUM_CALLBACK_TYPEDEFS = """
typedef void (*votequorum_quorum_notification_fn_t) (votequorum_handle_t handle, uint64_t context,
    uint32_t quorate, uint32_t node_list_entries, votequorum_node_t node_list[]);
typedef void (*votequorum_nodelist_notification_fn_t) (votequorum_handle_t handle,
    uint64_t context, votequorum_ring_id_t ring_id, uint32_t node_list_entries,
    uint32_t node_list[]);
typedef void (*votequorum_expectedvotes_notification_fn_t) (votequorum_handle_t handle,
    uint64_t context, uint32_t expected_votes);
"""

VOTEQUORUM_TYPES_2 = """
typedef struct {
    votequorum_quorum_notification_fn_t votequorum_quorum_notify_fn;
    votequorum_expectedvotes_notification_fn_t votequorum_expectedvotes_notify_fn;
    votequorum_nodelist_notification_fn_t votequorum_nodelist_notify_fn;
} votequorum_callbacks_t;
"""

VOTEQUORUM_FUNCTIONS = """
cs_error_t votequorum_initialize (votequorum_handle_t *handle, votequorum_callbacks_t *callbacks);
cs_error_t votequorum_finalize (votequorum_handle_t handle);
cs_error_t votequorum_dispatch (votequorum_handle_t handle, cs_dispatch_flags_t dispatch_types);
cs_error_t votequorum_fd_get (votequorum_handle_t handle, int *fd);
cs_error_t votequorum_getinfo (votequorum_handle_t handle, unsigned int nodeid,
    struct votequorum_info *info);
cs_error_t votequorum_setexpected (votequorum_handle_t handle, unsigned int expected_votes);
cs_error_t votequorum_setvotes (votequorum_handle_t handle, unsigned int nodeid,
    unsigned int votes);
cs_error_t votequorum_trackstart (votequorum_handle_t handle, uint64_t context,
    unsigned int flags);
cs_error_t votequorum_trackstop (votequorum_handle_t handle);
"""

CMAP_TYPES = """
typedef uint64_t cmap_handle_t;
typedef uint64_t cmap_iter_handle_t;
typedef uint64_t cmap_track_handle_t;

typedef enum {
    CMAP_VALUETYPE_INT8 = 1,
    CMAP_VALUETYPE_UINT8 = 2,
    CMAP_VALUETYPE_INT16 = 3,
    CMAP_VALUETYPE_UINT16 = 4,
    CMAP_VALUETYPE_INT32 = 5,
    CMAP_VALUETYPE_UINT32 = 6,
    CMAP_VALUETYPE_INT64 = 7,
    CMAP_VALUETYPE_UINT64 = 8,
    CMAP_VALUETYPE_FLOAT = 9,
    CMAP_VALUETYPE_DOUBLE = 10,
    CMAP_VALUETYPE_STRING = 11,
    CMAP_VALUETYPE_BINARY = 12
} cmap_value_types_t;

typedef enum {
    CMAP_MAP_DEFAULT = 0,
    CMAP_MAP_ICMAP = 0,
    CMAP_MAP_STATS = 1
} cmap_map_t;

struct cmap_notify_value {
    cmap_value_types_t type;
    size_t len;
    const void *data;
};
"""

CMAP_CALLBACK_TYPEDEFS = """
typedef void (*cmap_notify_fn_t) (cmap_handle_t cmap_handle,
    cmap_track_handle_t cmap_track_handle, int32_t event, const char *key_name,
    struct cmap_notify_value new_value, struct cmap_notify_value old_value, void *user_data);
"""

CMAP_FUNCTIONS = """
cs_error_t cmap_initialize (cmap_handle_t *handle);
cs_error_t cmap_initialize_map (cmap_handle_t *handle, cmap_map_t map);
cs_error_t cmap_finalize (cmap_handle_t handle);
cs_error_t cmap_fd_get (cmap_handle_t handle, int *fd);
cs_error_t cmap_dispatch (cmap_handle_t handle, cs_dispatch_flags_t dispatch_types);
cs_error_t cmap_set (cmap_handle_t handle, const char *key_name, const void *value,
    size_t value_len, cmap_value_types_t type);
cs_error_t cmap_set_int8 (cmap_handle_t handle, const char *key_name, int8_t value);
cs_error_t cmap_set_uint8 (cmap_handle_t handle, const char *key_name, uint8_t value);
cs_error_t cmap_set_int16 (cmap_handle_t handle, const char *key_name, int16_t value);
cs_error_t cmap_set_uint16 (cmap_handle_t handle, const char *key_name, uint16_t value);
cs_error_t cmap_set_int32 (cmap_handle_t handle, const char *key_name, int32_t value);
cs_error_t cmap_set_uint32 (cmap_handle_t handle, const char *key_name, uint32_t value);
cs_error_t cmap_set_int64 (cmap_handle_t handle, const char *key_name, int64_t value);
cs_error_t cmap_set_uint64 (cmap_handle_t handle, const char *key_name, uint64_t value);
cs_error_t cmap_set_float (cmap_handle_t handle, const char *key_name, float value);
cs_error_t cmap_set_double (cmap_handle_t handle, const char *key_name, double value);
cs_error_t cmap_set_string (cmap_handle_t handle, const char *key_name, const char *value);
cs_error_t cmap_delete (cmap_handle_t handle, const char *key_name);
cs_error_t cmap_get (cmap_handle_t handle, const char *key_name, void *value,
    size_t *value_len, cmap_value_types_t *type);
cs_error_t cmap_get_int8 (cmap_handle_t handle, const char *key_name, int8_t *i8);
cs_error_t cmap_get_uint8 (cmap_handle_t handle, const char *key_name, uint8_t *u8);
cs_error_t cmap_get_int16 (cmap_handle_t handle, const char *key_name, int16_t *i16);
cs_error_t cmap_get_uint16 (cmap_handle_t handle, const char *key_name, uint16_t *u16);
cs_error_t cmap_get_int32 (cmap_handle_t handle, const char *key_name, int32_t *i32);
cs_error_t cmap_get_uint32 (cmap_handle_t handle, const char *key_name, uint32_t *u32);
cs_error_t cmap_get_int64 (cmap_handle_t handle, const char *key_name, int64_t *i64);
cs_error_t cmap_get_uint64 (cmap_handle_t handle, const char *key_name, uint64_t *u64);
cs_error_t cmap_get_float (cmap_handle_t handle, const char *key_name, float *flt);
cs_error_t cmap_get_double (cmap_handle_t handle, const char *key_name, double *dbl);
cs_error_t cmap_get_string (cmap_handle_t handle, const char *key_name, char **str);
cs_error_t cmap_inc (cmap_handle_t handle, const char *key_name);
cs_error_t cmap_dec (cmap_handle_t handle, const char *key_name);
cs_error_t cmap_iter_init (cmap_handle_t handle, const char *prefix,
    cmap_iter_handle_t *cmap_iter_handle);
cs_error_t cmap_iter_next (cmap_handle_t handle, cmap_iter_handle_t iter_handle,
    char key_name[], size_t *value_len, cmap_value_types_t *type);
cs_error_t cmap_iter_finalize (cmap_handle_t handle, cmap_iter_handle_t iter_handle);
cs_error_t cmap_track_add (cmap_handle_t handle, const char *key_name, int32_t track_type,
    cmap_notify_fn_t notify_fn, void *user_data, cmap_track_handle_t *cmap_track_handle);
cs_error_t cmap_track_delete (cmap_handle_t handle, cmap_track_handle_t track_handle);
"""

CFG_TYPES = """
typedef uint64_t corosync_cfg_handle_t;

typedef enum {
    COROSYNC_CFG_SHUTDOWN_FLAG_REQUEST = 0,
    COROSYNC_CFG_SHUTDOWN_FLAG_REGARDLESS = 1,
    COROSYNC_CFG_SHUTDOWN_FLAG_IMMEDIATE = 2
} corosync_cfg_shutdown_flags_t;

typedef enum {
    COROSYNC_CFG_SHUTDOWN_FLAG_NO = 0,
    COROSYNC_CFG_SHUTDOWN_FLAG_YES = 1
} corosync_cfg_shutdown_reply_flags_t;
"""

CFG_CALLBACK_TYPEDEFS = """
typedef void (*corosync_cfg_shutdown_callback_t) (corosync_cfg_handle_t cfg_handle,
    corosync_cfg_shutdown_flags_t flags);
"""

CFG_TYPES_2 = """
typedef struct {
    corosync_cfg_shutdown_callback_t corosync_cfg_shutdown_callback;
} corosync_cfg_callbacks_t;
"""

CFG_FUNCTIONS = """
cs_error_t corosync_cfg_initialize (corosync_cfg_handle_t *cfg_handle,
    const corosync_cfg_callbacks_t *cfg_callbacks);
cs_error_t corosync_cfg_fd_get (corosync_cfg_handle_t cfg_handle, int32_t *selection_fd);
cs_error_t corosync_cfg_dispatch (corosync_cfg_handle_t cfg_handle,
    cs_dispatch_flags_t dispatch_flags);
cs_error_t corosync_cfg_finalize (corosync_cfg_handle_t cfg_handle);
cs_error_t corosync_cfg_try_shutdown (corosync_cfg_handle_t cfg_handle,
    corosync_cfg_shutdown_flags_t flags);
cs_error_t corosync_cfg_replyto_shutdown (corosync_cfg_handle_t cfg_handle,
    corosync_cfg_shutdown_reply_flags_t flags);
cs_error_t corosync_cfg_local_get (corosync_cfg_handle_t handle, unsigned int *local_nodeid);
cs_error_t corosync_cfg_trackstart (corosync_cfg_handle_t cfg_handle, uint8_t track_flags);
cs_error_t corosync_cfg_trackstop (corosync_cfg_handle_t cfg_handle);
cs_error_t corosync_cfg_reload_config (corosync_cfg_handle_t handle);
"""

# libc: cmap_get_string() returns a malloc()ed string that the caller frees.
LIBC_FUNCTIONS = """
void free (void *ptr);
"""

CALLBACK_TYPEDEFS = (
    CPG_CALLBACK_TYPEDEFS + QUORUM_CALLBACK_TYPEDEFS + VOTEQUORUM_CALLBACK_TYPEDEFS
    + CMAP_CALLBACK_TYPEDEFS + CFG_CALLBACK_TYPEDEFS
)

FUNCTIONS = CPG_FUNCTIONS + QUORUM_FUNCTIONS + VOTEQUORUM_FUNCTIONS + CMAP_FUNCTIONS + CFG_FUNCTIONS

CDEF = (
    BASE_TYPES
    + CPG_TYPES + CPG_CALLBACK_TYPEDEFS + CPG_TYPES_2
    + QUORUM_TYPES + QUORUM_CALLBACK_TYPEDEFS + QUORUM_TYPES_2
    + VOTEQUORUM_TYPES + VOTEQUORUM_CALLBACK_TYPEDEFS + VOTEQUORUM_TYPES_2
    + CMAP_TYPES + CMAP_CALLBACK_TYPEDEFS
    + CFG_TYPES + CFG_CALLBACK_TYPEDEFS + CFG_TYPES_2
    + FUNCTIONS + LIBC_FUNCTIONS
)

# --------------------------------------------------------------------------- ABI tables
#: headers the declarations come from (for the guard's probe)
HEADERS = (
    "corosync/corotypes.h",
    "corosync/cpg.h",
    "corosync/quorum.h",
    "corosync/votequorum.h",
    "corosync/cmap.h",
    "corosync/cfg.h",
)

#: struct/typedef -> the fields we declared; the guard compares sizeof and offsetof of each
ABI_TYPES: dict[str, tuple[str, ...]] = {
    "struct iovec": ("iov_base", "iov_len"),
    "struct cpg_address": ("nodeid", "pid", "reason"),
    "struct cpg_name": ("length", "value"),
    "struct cpg_iteration_description_t": ("group", "nodeid", "pid"),
    "struct cpg_ring_id": ("nodeid", "seq"),
    "cpg_model_data_t": ("model",),
    "cpg_model_v1_data_t": ("model", "cpg_deliver_fn", "cpg_confchg_fn", "cpg_totem_confchg_fn", "flags"),
    "struct quorum_ring_id": ("nodeid", "seq"),
    "quorum_model_data_t": ("model",),
    "quorum_model_v1_data_t": ("model", "quorum_notify_fn", "nodelist_notify_fn"),
    "struct votequorum_info": (
        "node_id", "node_state", "node_votes", "node_expected_votes", "highest_expected",
        "total_votes", "quorum", "flags", "qdevice_votes", "qdevice_name",
    ),
    "votequorum_node_t": ("nodeid", "state"),
    "votequorum_ring_id_t": ("nodeid", "seq"),
    "votequorum_callbacks_t": (
        "votequorum_quorum_notify_fn", "votequorum_expectedvotes_notify_fn",
        "votequorum_nodelist_notify_fn",
    ),
    "struct cmap_notify_value": ("type", "len", "data"),
    "corosync_cfg_callbacks_t": ("corosync_cfg_shutdown_callback",),
    # scalar typedefs: only the size matters
    "cs_time_t": (),
    "cs_error_t": (),
    "cs_dispatch_flags_t": (),
    "cpg_handle_t": (),
    "cpg_guarantee_t": (),
    "cpg_flow_control_state_t": (),
    "cpg_model_t": (),
    "quorum_handle_t": (),
    "quorum_model_t": (),
    "votequorum_handle_t": (),
    "cmap_handle_t": (),
    "cmap_iter_handle_t": (),
    "cmap_track_handle_t": (),
    "cmap_value_types_t": (),
    "cmap_map_t": (),
    "corosync_cfg_handle_t": (),
    "corosync_cfg_shutdown_flags_t": (),
    "corosync_cfg_shutdown_reply_flags_t": (),
}

#: enum types whose every enumerator value the guard compares
ABI_ENUMS: tuple[str, ...] = (
    "cs_dispatch_flags_t",
    "cs_error_t",
    "cpg_guarantee_t",
    "cpg_flow_control_state_t",
    "cpg_reason_t",
    "cpg_iteration_type_t",
    "cpg_model_t",
    "quorum_model_t",
    "cmap_value_types_t",
    "cmap_map_t",
    "corosync_cfg_shutdown_flags_t",
    "corosync_cfg_shutdown_reply_flags_t",
)

#: ``#define`` constants mirrored in Python
ABI_CONSTANTS: dict[str, int] = {
    "CS_MAX_NAME_LENGTH": 256,
    "CS_TRACK_CURRENT": 0x01,
    "CS_TRACK_CHANGES": 0x02,
    "CS_TRACK_CHANGES_ONLY": 0x04,
    "CPG_MAX_NAME_LENGTH": 128,
    "CPG_MEMBERS_MAX": 128,
    "CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF": 0x01,
    "QUORUM_FREE": 0,
    "QUORUM_SET": 1,
    "VOTEQUORUM_INFO_TWONODE": 1,
    "VOTEQUORUM_INFO_QUORATE": 2,
    "VOTEQUORUM_INFO_WAIT_FOR_ALL": 4,
    "VOTEQUORUM_INFO_LAST_MAN_STANDING": 8,
    "VOTEQUORUM_INFO_AUTO_TIE_BREAKER": 16,
    "VOTEQUORUM_INFO_ALLOW_DOWNSCALE": 32,
    "VOTEQUORUM_INFO_QDEVICE_REGISTERED": 64,
    "VOTEQUORUM_INFO_QDEVICE_ALIVE": 128,
    "VOTEQUORUM_INFO_QDEVICE_CAST_VOTE": 256,
    "VOTEQUORUM_INFO_QDEVICE_MASTER_WINS": 512,
    "VOTEQUORUM_QDEVICE_NODEID": 0,
    "VOTEQUORUM_QDEVICE_MAX_NAME_LEN": 255,
    "VOTEQUORUM_NODESTATE_MEMBER": 1,
    "VOTEQUORUM_NODESTATE_DEAD": 2,
    "VOTEQUORUM_NODESTATE_LEAVING": 3,
    "CMAP_KEYNAME_MAXLEN": 255,
    "CMAP_KEYNAME_MINLEN": 3,
    "CMAP_TRACK_ADD": 4,
    "CMAP_TRACK_DELETE": 1,
    "CMAP_TRACK_MODIFY": 2,
    "CMAP_TRACK_PREFIX": 8,
}

#: shared object sonames (Corosync 3.x ABI)
SONAMES: dict[str, str] = {
    "cpg": "libcpg.so.4",
    "quorum": "libquorum.so.5",
    "votequorum": "libvotequorum.so.8",
    "cmap": "libcmap.so.4",
    "cfg": "libcfg.so.7",
}
