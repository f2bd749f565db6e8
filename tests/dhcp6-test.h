/* SPDX-License-Identifier: Apache-2.0
 *
 * dhcp6-test.h -- what tests/test-dhcp6-server.c builds its DHCPv6
 * exchanges with: the guest, the server's identity, requests, frames, a
 * server with the guest's binding (struct env), and views of its replies.
 */
#ifndef OVNMIG_TESTS_DHCP6_TEST_H
#define OVNMIG_TESTS_DHCP6_TEST_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcpd/dhcp6-server.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"

extern const struct eth_addr vm_mac;
extern const struct eth_addr gw_mac;
extern const struct eth_addr other_mac;

#define VM_LLA "fe80::5054:ff:fe12:3456"
#define VM_IP "fd00:10:100::5"
#define OTHER_IP "fd00:10:100::9"
#define DNS "fd00:10:96::a"
#define ALL_SERVERS "ff02::1:2"
#define ROUTER "fe80::1"

/* The client's DUID-LLT, its IAID and the transaction id. */
extern const uint8_t client_duid[14];
extern const uint8_t server_duid[10];
#define IAID 0x0a0b0c0d
#define XID 0x123456

/* A server, the guest's binding, and the last reply. */
struct env {
    struct dhcp6_server *s;
    struct dhcp6_binding *b;
    struct ofpbuf reply;
    const uint8_t *msg;                 /* The reply's DHCPv6 message. */
    size_t msg_size;
};

/* One IA of the last reply, as the tests look at it. */
struct ia_view {
    uint16_t type;
    uint32_t iaid, t1, t2;
    int status;                         /* -1: none. */
    size_t n_addrs;
    struct in6_addr addrs[8];
    uint32_t preferred[8], valid[8];
};

struct in6_addr ip6(const char *s);
void make_binding_config(struct dhcp6_binding_config *cfg);
struct dhcp6_binding *make_binding(void);
struct dhcp6_server *make_server(void);
void put_u16(struct ofpbuf *b, uint16_t v);
void put_u32(struct ofpbuf *b, uint32_t v);
void put_opt(struct ofpbuf *b, uint16_t code, const void *value, size_t len);
size_t start_opt(struct ofpbuf *b, uint16_t code);
void end_opt(struct ofpbuf *b, size_t start);
void start_msg(struct ofpbuf *m, uint8_t type);
void put_client_id(struct ofpbuf *m);
void put_server_id(struct ofpbuf *m);
void start_from_client(struct ofpbuf *m, uint8_t type);
void start_to_server(struct ofpbuf *m, uint8_t type);
void put_ia(struct ofpbuf *m, uint16_t type, uint32_t iaid,
            const char *const *addrs, size_t n);
void put_ia_na(struct ofpbuf *m, const char *const *addrs, size_t n);
void put_oro(struct ofpbuf *m, const uint16_t *codes, size_t n);
void make_solicit(struct ofpbuf *m);
void make_frame_from(struct ofpbuf *frame, const struct ofpbuf *m,
                     struct eth_addr eth_src, const char *src, const char *dst);
void make_frame(struct ofpbuf *frame, const struct ofpbuf *m);
void env_init(struct env *e);
void env_destroy(struct env *e);
enum dhcp6_drop env_handle_frame(struct env *e, const struct dhcp6_binding *b,
                                 const struct ofpbuf *frame);
enum dhcp6_drop env_send(struct env *e, const struct ofpbuf *m);
enum dhcp6_drop env_send_uninit(struct env *e, struct ofpbuf *m);
const uint8_t *find_in(const uint8_t *p, size_t size, uint16_t code,
                       size_t *lenp);
const uint8_t *find_opt(const struct env *e, uint16_t code, size_t *lenp);
uint16_t get_u16(const uint8_t *p);
uint32_t get_u32(const uint8_t *p);
int status_in(const uint8_t *p, size_t size);
int top_status(const struct env *e);
bool get_ia(const struct env *e, size_t index, struct ia_view *ia);
void assert_served(const struct env *e, size_t index);
void assert_ia_status(const struct env *e, size_t index, uint16_t type,
                      int status);

#endif /* tests/dhcp6-test.h */
