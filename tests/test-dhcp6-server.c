/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for dhcpd/dhcp6-server: the Advertise byte for byte against a
 * vector written out from RFC 8415 §21, what each message gets (§18.3)
 * with and without a binding, and every drop reason. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dhcpd/dhcp6-server.h"
#include "tests/dhcp6-test.h"
#include "lib/packet.h"
#include "openvswitch/vlog.h"

/* The Advertise that answers make_solicit(): RFC 8415 §21. */
static const uint8_t advertise_vector[] = {
    0x02, 0x12, 0x34, 0x56,                     /* Advertise, xid */
    0x00, 0x02, 0x00, 0x0a,                     /* Server ID: DUID-LL G */
    0x00, 0x03, 0x00, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x01,
    0x00, 0x01, 0x00, 0x0e,                     /* Client ID, echoed */
    0x00, 0x01, 0x00, 0x01, 0x2a, 0x2b, 0x2c, 0x2d,
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    0x00, 0x07, 0x00, 0x01, 0xff,               /* Preference 255 */
    0x00, 0x03, 0x00, 0x28,                     /* IA_NA */
    0x0a, 0x0b, 0x0c, 0x0d,                     /* IAID, echoed */
    0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x0b, 0x40, /* T1 1800, T2 2880 */
    0x00, 0x05, 0x00, 0x18,                     /* IA Address */
    0xfd, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x1c, 0x20, /* 3600 s, 7200 s */
    0x00, 0x17, 0x00, 0x10,                     /* DNS servers */
    0xfd, 0x00, 0x00, 0x10, 0x00, 0x96, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x00, 0x18, 0x00, 0x0f,                     /* Domain list */
    0x07, 'c', 'l', 'u', 's', 't', 'e', 'r', 0x05, 'l', 'o', 'c', 'a', 'l',
    0x00,
};

/* ------------------------------------------------------------ Solicit */

static void
test_solicit_advertise(void **state)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    make_solicit(&m);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg_size, sizeof advertise_vector);
    assert_memory_equal(e.msg, advertise_vector, sizeof advertise_vector);

    const struct dhcp6_counters *c = dhcp6_server_counters(e.s);
    assert_int_equal(c->events[DHCP6_EV_RX_SOLICIT], 1);
    assert_int_equal(c->events[DHCP6_EV_TX_ADVERTISE], 1);
    dhcp6_server_clear_counters(e.s);
    assert_int_equal(c->events[DHCP6_EV_RX_SOLICIT], 0);
    env_destroy(&e);
}

/* RFC 8415 §18.3.1: with Rapid Commit, the Reply a Request would get. */
static void
test_solicit_rapid_commit(void **state)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    make_solicit(&m);
    put_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_REPLY);
    size_t len;
    assert_non_null(find_opt(&e, DHCP6_OPT_RAPID_COMMIT, &len));
    assert_int_equal(len, 0);
    assert_null(find_opt(&e, DHCP6_OPT_PREFERENCE, &len));
    assert_served(&e, 0);
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->events[DHCP6_EV_TX_RAPID_COMMIT], 1);
    env_destroy(&e);

    /* A server that does not honour it advertises. */
    struct dhcp6_server_config cfg;
    dhcp6_server_config_init(&cfg);
    cfg.rapid_commit = false;
    env_init(&e);
    dhcp6_server_destroy(e.s);
    e.s = dhcp6_server_create(&cfg);
    make_solicit(&m);
    put_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_ADVERTISE);
    assert_null(find_opt(&e, DHCP6_OPT_RAPID_COMMIT, &len));
    env_destroy(&e);
}

/* A Solicit's addresses are hints: the guest gets its own.  Its first
 * IA_NA gets it, its others, its IA_TA and its IA_PD get nothing, with the
 * status RFC 8415 §18.3.9 names.  IAIDs are echoed. */
static void
test_solicit_ias(void **state)
{
    static const char *const hint[] = { OTHER_IP };
    static const char *const prefix[] = { "fd00:99::" };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_from_client(&m, DHCP6_SOLICIT);
    put_ia_na(&m, hint, 1);
    put_ia(&m, DHCP6_OPT_IA_NA, 77, NULL, 0);
    put_ia(&m, DHCP6_OPT_IA_TA, 78, NULL, 0);
    put_ia(&m, DHCP6_OPT_IA_PD, 79, prefix, 1);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_ADVERTISE);
    assert_served(&e, 0);
    struct ia_view ia;
    assert_true(get_ia(&e, 0, &ia));
    assert_int_equal(ia.n_addrs, 1);
    assert_ia_status(&e, 1, DHCP6_OPT_IA_NA, DHCP6_STATUS_NO_ADDRS_AVAIL);
    assert_ia_status(&e, 2, DHCP6_OPT_IA_TA, DHCP6_STATUS_NO_ADDRS_AVAIL);
    assert_ia_status(&e, 3, DHCP6_OPT_IA_PD, DHCP6_STATUS_NO_PREFIX_AVAIL);
    assert_true(get_ia(&e, 1, &ia));
    assert_int_equal(ia.iaid, 77);
    assert_true(get_ia(&e, 3, &ia));
    assert_int_equal(ia.iaid, 79);
    assert_false(get_ia(&e, 4, &ia));
    assert_int_equal(top_status(&e), -1);
    env_destroy(&e);
}

/* Without an IA_NA there is nothing to offer: an Advertise with
 * NoAddrsAvail and only the identifiers (RFC 8415 §18.3.9). */
static void
test_solicit_nothing_to_offer(void **state)
{
    static const char *const prefix[] = { "fd00:99::" };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_from_client(&m, DHCP6_SOLICIT);
    put_ia(&m, DHCP6_OPT_IA_PD, 79, prefix, 1);
    put_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_ADVERTISE);
    assert_int_equal(top_status(&e), DHCP6_STATUS_NO_ADDRS_AVAIL);
    size_t len;
    assert_null(find_opt(&e, DHCP6_OPT_PREFERENCE, &len));
    assert_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
    struct ia_view ia;
    assert_false(get_ia(&e, 0, &ia));
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->events[DHCP6_EV_NO_ADDRS_AVAIL], 1);
    env_destroy(&e);
}

/* RFC 8415 §21.7: the options the client asked for; all of them when it
 * sent no Option Request option. */
static void
test_option_request(void **state)
{
    static const uint16_t dns_only[] = { DHCP6_OPT_DNS_SERVERS, 39 };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    size_t len;

    start_from_client(&m, DHCP6_SOLICIT);
    put_ia_na(&m, NULL, 0);
    put_oro(&m, dns_only, ARRAY_SIZE(dns_only));
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_non_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
    assert_null(find_opt(&e, DHCP6_OPT_DOMAIN_LIST, &len));

    start_from_client(&m, DHCP6_SOLICIT);
    put_ia_na(&m, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_non_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
    const uint8_t *domains = find_opt(&e, DHCP6_OPT_DOMAIN_LIST, &len);
    assert_non_null(domains);
    assert_int_equal(len, 15);
    assert_memory_equal(domains, "\x07" "cluster" "\x05" "local", 15);
    env_destroy(&e);
}

/* ------------------------------------------------------------ Request */

static void
test_request(void **state)
{
    static const char *const ours[] = { VM_IP };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_to_server(&m, DHCP6_REQUEST);
    put_ia_na(&m, ours, 1);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_REPLY);
    assert_served(&e, 0);
    struct ia_view ia;
    assert_true(get_ia(&e, 0, &ia));
    assert_int_equal(ia.n_addrs, 1);
    size_t len;
    assert_null(find_opt(&e, DHCP6_OPT_PREFERENCE, &len));
    assert_non_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
    assert_int_equal(top_status(&e), -1);
    assert_int_equal(dhcp6_server_counters(e.s)->events[DHCP6_EV_TX_REPLY],
                     1);
    env_destroy(&e);
}

/* RFC 8415 §18.3.2: an address that is not the guest's is not on its
 * link (its port): the IA gets NotOnLink and no address. */
static void
test_request_not_on_link(void **state)
{
    static const char *const foreign[] = { VM_IP, OTHER_IP };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_to_server(&m, DHCP6_REQUEST);
    put_ia_na(&m, foreign, 2);
    put_ia(&m, DHCP6_OPT_IA_PD, 79, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_ia_status(&e, 0, DHCP6_OPT_IA_NA, DHCP6_STATUS_NOT_ON_LINK);
    assert_ia_status(&e, 1, DHCP6_OPT_IA_PD, DHCP6_STATUS_NO_PREFIX_AVAIL);
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->events[DHCP6_EV_NOT_ON_LINK], 1);
    env_destroy(&e);
}

/* ------------------------------------------------------------ Renew */

/* RFC 8415 §18.3.4: fresh lifetimes for the guest's address, lifetimes 0
 * for any other, NoBinding for an IA with nothing, and for IA_PD. */
static void
test_renew(void **state)
{
    static const char *const ours_and_old[] = { OTHER_IP, VM_IP };
    static const char *const old[] = { "fd00:10:100::7" };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_to_server(&m, DHCP6_RENEW);
    put_ia(&m, DHCP6_OPT_IA_NA, 11, old, 1);
    put_ia_na(&m, ours_and_old, 2);
    put_ia(&m, DHCP6_OPT_IA_NA, 12, NULL, 0);
    put_ia(&m, DHCP6_OPT_IA_PD, 13, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_REPLY);

    struct ia_view ia;
    struct in6_addr other = ip6(OTHER_IP), older = ip6("fd00:10:100::7");

    /* The IA that holds the guest's address gets it, whatever its rank;
     * the others get their addresses back with lifetimes 0. */
    assert_true(get_ia(&e, 0, &ia));
    assert_int_equal(ia.iaid, 11);
    assert_int_equal(ia.n_addrs, 1);
    assert_true(ipv6_addr_equals(&ia.addrs[0], &older));
    assert_int_equal(ia.valid[0], 0);
    assert_int_equal(ia.preferred[0], 0);
    assert_int_equal(ia.status, -1);

    assert_served(&e, 1);
    assert_true(get_ia(&e, 1, &ia));
    assert_int_equal(ia.n_addrs, 2);
    assert_true(ipv6_addr_equals(&ia.addrs[1], &other));
    assert_int_equal(ia.valid[1], 0);

    assert_ia_status(&e, 2, DHCP6_OPT_IA_NA, DHCP6_STATUS_NO_BINDING);
    assert_ia_status(&e, 3, DHCP6_OPT_IA_PD, DHCP6_STATUS_NO_BINDING);
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->events[DHCP6_EV_ADDRESS_EXPIRED], 2);
    env_destroy(&e);
}

/* The same Renew reaching another node's server (same configuration,
 * same DUID) gets the same bytes: the answer is the binding's alone. */
static void
test_renew_any_node(void **state)
{
    static const char *const ours[] = { VM_IP };
    struct env e1, e2;
    env_init(&e1);
    env_init(&e2);
    struct ofpbuf m;
    start_to_server(&m, DHCP6_RENEW);
    put_ia_na(&m, ours, 1);
    assert_int_equal(env_send(&e1, &m), DHCP6_DROP_NONE);
    assert_int_equal(env_send_uninit(&e2, &m), DHCP6_DROP_NONE);
    assert_served(&e1, 0);
    assert_int_equal(e1.reply.size, e2.reply.size);
    assert_memory_equal(e1.reply.data, e2.reply.data, e1.reply.size);
    env_destroy(&e2);
    env_destroy(&e1);
}

/* RFC 8415 §18.3.5: Rebind as Renew, to any server. */
static void
test_rebind(void **state)
{
    static const char *const ours_and_old[] = { VM_IP, OTHER_IP };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_from_client(&m, DHCP6_REBIND);
    put_ia_na(&m, ours_and_old, 2);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_served(&e, 0);
    struct ia_view ia;
    assert_true(get_ia(&e, 0, &ia));
    assert_int_equal(ia.n_addrs, 2);
    assert_int_equal(ia.valid[1], 0);
    assert_int_equal(dhcp6_server_counters(e.s)->events[DHCP6_EV_RX_REBIND],
                     1);
    env_destroy(&e);
}

/* ------------------------------------------------------------ others */

/* RFC 8415 §18.3.3: Success if every address is the guest's, NotOnLink
 * otherwise, and no reply without addresses. */
static void
test_confirm(void **state)
{
    static const char *const ours[] = { VM_IP };
    static const char *const foreign[] = { VM_IP, OTHER_IP };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    size_t len;

    start_from_client(&m, DHCP6_CONFIRM);
    put_ia_na(&m, ours, 1);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_REPLY);
    assert_int_equal(top_status(&e), DHCP6_STATUS_SUCCESS);
    assert_null(find_opt(&e, DHCP6_OPT_IA_NA, &len));

    start_from_client(&m, DHCP6_CONFIRM);
    put_ia_na(&m, foreign, 2);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(top_status(&e), DHCP6_STATUS_NOT_ON_LINK);

    /* An IA_TA's addresses count too. */
    start_from_client(&m, DHCP6_CONFIRM);
    put_ia(&m, DHCP6_OPT_IA_TA, 5, foreign + 1, 1);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(top_status(&e), DHCP6_STATUS_NOT_ON_LINK);

    start_from_client(&m, DHCP6_CONFIRM);
    put_ia_na(&m, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m),
                     DHCP6_DROP_CONFIRM_NO_ADDRESS);
    env_destroy(&e);
}

/* RFC 8415 §18.3.7, §18.3.8: Success, NoBinding for an IA without the
 * guest's address.  Nothing changes: the next Solicit gets the same. */
static void
test_release_decline(void **state)
{
    static const char *const ours[] = { VM_IP };
    static const char *const foreign[] = { OTHER_IP };
    static const uint8_t types[] = { DHCP6_RELEASE, DHCP6_DECLINE };
    struct env e;
    env_init(&e);
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        struct ofpbuf m;
        start_to_server(&m, types[i]);
        put_ia_na(&m, ours, 1);
        put_ia(&m, DHCP6_OPT_IA_NA, 21, foreign, 1);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
        assert_int_equal(e.msg[0], DHCP6_REPLY);
        assert_int_equal(top_status(&e), DHCP6_STATUS_SUCCESS);
        assert_ia_status(&e, 0, DHCP6_OPT_IA_NA, DHCP6_STATUS_NO_BINDING);
        struct ia_view ia;
        assert_true(get_ia(&e, 0, &ia));
        assert_int_equal(ia.iaid, 21);
        assert_false(get_ia(&e, 1, &ia));
    }
    const struct dhcp6_counters *c = dhcp6_server_counters(e.s);
    assert_int_equal(c->events[DHCP6_EV_RX_RELEASE], 1);
    assert_int_equal(c->events[DHCP6_EV_RX_DECLINE], 1);

    struct ofpbuf m;
    make_solicit(&m);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_memory_equal(e.msg, advertise_vector, sizeof advertise_vector);
    env_destroy(&e);
}

/* RFC 8415 §18.3.6: DNS, the domain list and the Information Refresh
 * Time (§21.23), no IA.  The Client ID is optional there. */
static void
test_information_request(void **state)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    size_t len;

    start_from_client(&m, DHCP6_INFORMATION_REQUEST);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_REPLY);
    assert_non_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
    assert_non_null(find_opt(&e, DHCP6_OPT_DOMAIN_LIST, &len));
    const uint8_t *irt = find_opt(&e, DHCP6_OPT_INFORMATION_REFRESH_TIME,
                                  &len);
    assert_non_null(irt);
    assert_int_equal(len, 4);
    assert_int_equal(get_u32(irt), 86400);
    assert_null(find_opt(&e, DHCP6_OPT_IA_NA, &len));

    start_msg(&m, DHCP6_INFORMATION_REQUEST);
    put_server_id(&m);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_null(find_opt(&e, DHCP6_OPT_CLIENTID, &len));
    assert_non_null(find_opt(&e, DHCP6_OPT_SERVERID, &len));

    start_msg(&m, DHCP6_INFORMATION_REQUEST);
    put_ia_na(&m, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m),
                     DHCP6_DROP_IA_IN_INFO_REQUEST);
    env_destroy(&e);
}

/* RFC 8415 §16 and §18.3: the server never sent Server Unicast, so a
 * Request, Renew, Release or Decline to its address gets UseMulticast and
 * nothing else; a Solicit, Confirm, Rebind or Information-request is
 * discarded. */
static void
test_unicast(void **state)
{
    static const char *const ours[] = { VM_IP };
    static const uint8_t answered[] = {
        DHCP6_REQUEST, DHCP6_RENEW, DHCP6_RELEASE, DHCP6_DECLINE,
    };
    static const uint8_t discarded[] = {
        DHCP6_SOLICIT, DHCP6_CONFIRM, DHCP6_REBIND,
        DHCP6_INFORMATION_REQUEST,
    };
    struct env e;
    env_init(&e);
    for (size_t i = 0; i < ARRAY_SIZE(answered); i++) {
        struct ofpbuf m, frame;
        start_to_server(&m, answered[i]);
        put_ia_na(&m, ours, 1);
        make_frame_from(&frame, &m, vm_mac, VM_LLA, ROUTER);
        assert_int_equal(env_handle_frame(&e, e.b, &frame),
                         DHCP6_DROP_NONE);
        assert_int_equal(e.msg[0], DHCP6_REPLY);
        assert_int_equal(top_status(&e), DHCP6_STATUS_USE_MULTICAST);
        size_t len;
        assert_non_null(find_opt(&e, DHCP6_OPT_SERVERID, &len));
        assert_non_null(find_opt(&e, DHCP6_OPT_CLIENTID, &len));
        assert_null(find_opt(&e, DHCP6_OPT_IA_NA, &len));
        assert_null(find_opt(&e, DHCP6_OPT_DNS_SERVERS, &len));
        ofpbuf_uninit(&frame);
        ofpbuf_uninit(&m);
    }
    for (size_t i = 0; i < ARRAY_SIZE(discarded); i++) {
        struct ofpbuf m, frame;
        start_from_client(&m, discarded[i]);
        if (discarded[i] != DHCP6_INFORMATION_REQUEST) {
            put_ia_na(&m, ours, 1);
        }
        make_frame_from(&frame, &m, vm_mac, VM_LLA, ROUTER);
        assert_int_equal(env_handle_frame(&e, e.b, &frame),
                         DHCP6_DROP_UNICAST);
        ofpbuf_uninit(&frame);
        ofpbuf_uninit(&m);
    }
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->events[DHCP6_EV_USE_MULTICAST], 4);
    env_destroy(&e);
}

/* A port without IPv6: nothing is the guest's, and each message gets what
 * RFC 8415 §18.3 says for that. */
static void
test_no_binding(void **state)
{
    static const char *const old[] = { VM_IP };
    struct env e;
    env_init(&e);
    struct ofpbuf m, frame;

    make_solicit(&m);
    make_frame(&frame, &m);
    assert_int_equal(env_handle_frame(&e, NULL, &frame), DHCP6_DROP_NONE);
    assert_int_equal(e.msg[0], DHCP6_ADVERTISE);
    assert_int_equal(top_status(&e), DHCP6_STATUS_NO_ADDRS_AVAIL);
    ofpbuf_uninit(&frame);
    ofpbuf_uninit(&m);

    static const struct {
        uint8_t type;
        bool server_id;
        int ia_status;
        int top_status;
    } cases[] = {
        { DHCP6_REQUEST, true, DHCP6_STATUS_NO_ADDRS_AVAIL, -1 },
        { DHCP6_RENEW, true, DHCP6_STATUS_NO_BINDING, -1 },
        { DHCP6_RELEASE, true, DHCP6_STATUS_NO_BINDING,
          DHCP6_STATUS_SUCCESS },
        { DHCP6_DECLINE, true, DHCP6_STATUS_NO_BINDING,
          DHCP6_STATUS_SUCCESS },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        start_msg(&m, cases[i].type);
        put_client_id(&m);
        put_server_id(&m);
        put_ia_na(&m, NULL, 0);
        make_frame(&frame, &m);
        assert_int_equal(env_handle_frame(&e, NULL, &frame),
                         DHCP6_DROP_NONE);
        assert_ia_status(&e, 0, DHCP6_OPT_IA_NA, cases[i].ia_status);
        assert_int_equal(top_status(&e), cases[i].top_status);
        ofpbuf_uninit(&frame);
        ofpbuf_uninit(&m);
    }

    /* Rebind: the old address with lifetimes 0. */
    start_from_client(&m, DHCP6_REBIND);
    put_ia_na(&m, old, 1);
    make_frame(&frame, &m);
    assert_int_equal(env_handle_frame(&e, NULL, &frame), DHCP6_DROP_NONE);
    struct ia_view ia;
    assert_true(get_ia(&e, 0, &ia));
    assert_int_equal(ia.n_addrs, 1);
    assert_int_equal(ia.valid[0], 0);
    assert_int_equal(ia.status, -1);
    ofpbuf_uninit(&frame);
    ofpbuf_uninit(&m);

    /* Confirm: not on link. */
    start_from_client(&m, DHCP6_CONFIRM);
    put_ia_na(&m, old, 1);
    make_frame(&frame, &m);
    assert_int_equal(env_handle_frame(&e, NULL, &frame), DHCP6_DROP_NONE);
    assert_int_equal(top_status(&e), DHCP6_STATUS_NOT_ON_LINK);
    ofpbuf_uninit(&frame);
    ofpbuf_uninit(&m);

    /* Information-request: nothing to tell. */
    start_msg(&m, DHCP6_INFORMATION_REQUEST);
    make_frame(&frame, &m);
    assert_int_equal(env_handle_frame(&e, NULL, &frame),
                     DHCP6_DROP_NO_BINDING);
    ofpbuf_uninit(&frame);
    ofpbuf_uninit(&m);
    env_destroy(&e);
}

/* ------------------------------------------------------------ drops */

/* RFC 8415 §16: which identifiers each message must carry. */
static void
test_drop_identifiers(void **state)
{
    static const uint8_t to_us[] = {
        DHCP6_REQUEST, DHCP6_RENEW, DHCP6_RELEASE, DHCP6_DECLINE,
    };
    static const uint8_t to_all[] = {
        DHCP6_SOLICIT, DHCP6_CONFIRM, DHCP6_REBIND,
    };
    static const uint8_t other_duid[] = {
        0x00, 0x03, 0x00, 0x01, 0x0a, 0x58, 0xa9, 0xfe, 0x01, 0x02,
    };
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    for (size_t i = 0; i < ARRAY_SIZE(to_us); i++) {
        start_msg(&m, to_us[i]);
        put_server_id(&m);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NO_CLIENT_ID);
        start_from_client(&m, to_us[i]);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NO_SERVER_ID);
        /* Another server's, even one byte off, or of another length. */
        start_from_client(&m, to_us[i]);
        put_opt(&m, DHCP6_OPT_SERVERID, other_duid, sizeof other_duid);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_OTHER_SERVER);
        start_from_client(&m, to_us[i]);
        put_opt(&m, DHCP6_OPT_SERVERID, server_duid, 9);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_OTHER_SERVER);
    }
    for (size_t i = 0; i < ARRAY_SIZE(to_all); i++) {
        start_msg(&m, to_all[i]);
        put_ia_na(&m, NULL, 0);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NO_CLIENT_ID);
        start_to_server(&m, to_all[i]);
        assert_int_equal(env_send_uninit(&e, &m),
                         DHCP6_DROP_UNEXPECTED_SERVER_ID);
    }
    start_msg(&m, DHCP6_INFORMATION_REQUEST);
    put_opt(&m, DHCP6_OPT_SERVERID, other_duid, sizeof other_duid);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_OTHER_SERVER);
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->drops[DHCP6_DROP_OTHER_SERVER], 9);
    env_destroy(&e);
}

/* The client is the port's guest, by MAC, whatever its DUID says. */
static void
test_drop_unknown_client(void **state)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m, frame;
    make_solicit(&m);
    make_frame_from(&frame, &m, other_mac, VM_LLA, ALL_SERVERS);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_UNKNOWN_CLIENT);
    ofpbuf_uninit(&frame);

    /* Any DUID from the guest's MAC gets the guest's address. */
    ofpbuf_uninit(&m);
    start_msg(&m, DHCP6_SOLICIT);
    put_opt(&m, DHCP6_OPT_CLIENTID, "\x00\x04uuid-of-another-vm", 20);
    put_ia_na(&m, NULL, 0);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
    assert_served(&e, 0);
    env_destroy(&e);
}

static void
test_drop_frames(void **state)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m, frame;
    make_solicit(&m);

    /* A bad UDP checksum, counted as a frame error. */
    make_frame(&frame, &m);
    ((uint8_t *) frame.data)[frame.size - 1] ^= 1;
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_BAD_FRAME);
    assert_int_equal(dhcp6_server_counters(e.s)
                     ->frame_errors[PKT_ERR_BAD_UDP_CSUM], 1);
    ofpbuf_uninit(&frame);

    /* UDP to another port; DHCPv4; ICMPv6. */
    struct in6_addr src = ip6(VM_LLA), dst = ip6(ALL_SERVERS);
    ofpbuf_init(&frame, 256);
    pkt_put_eth(&frame, gw_mac, vm_mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_udp(&frame, &src, &dst, 547, 546, m.data, m.size);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_NOT_DHCP6);
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, eth_addr_broadcast, vm_mac, ETH_TYPE_IP);
    pkt_put_ipv4_udp(&frame, 0, htonl(0xffffffff), 68, 67, m.data, m.size);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_NOT_DHCP6);
    ofpbuf_clear(&frame);
    pkt_put_eth(&frame, gw_mac, vm_mac, ETH_TYPE_IPV6);
    pkt_put_ipv6_icmp6(&frame, &src, &dst, "\x85\0\0\0\0\0\0\0", 8);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_NOT_DHCP6);
    ofpbuf_uninit(&frame);

    /* All_DHCP_Servers (site scope, for relays), another unicast
     * address. */
    make_frame_from(&frame, &m, vm_mac, VM_LLA, "ff05::1:3");
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_NOT_FOR_US);
    ofpbuf_uninit(&frame);
    make_frame_from(&frame, &m, vm_mac, VM_LLA, "fe80::2");
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_NOT_FOR_US);
    ofpbuf_uninit(&frame);

    /* No source to answer to. */
    make_frame_from(&frame, &m, vm_mac, "::", ALL_SERVERS);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_BAD_SOURCE);
    ofpbuf_uninit(&frame);
    make_frame_from(&frame, &m, vm_mac, "ff02::1", ALL_SERVERS);
    assert_int_equal(env_handle_frame(&e, e.b, &frame),
                     DHCP6_DROP_BAD_SOURCE);
    ofpbuf_uninit(&frame);
    ofpbuf_uninit(&m);

    /* Shorter than the header; longer than a 1500-byte frame carries. */
    ofpbuf_init(&m, 0);
    ofpbuf_put(&m, "\x01\x12\x34", 3);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_TRUNCATED);
    make_solicit(&m);
    put_opt(&m, 39, NULL, 0);
    ofpbuf_put_zeros(&m, 1453 - m.size);
    assert_int_equal(env_send(&e, &m), DHCP6_DROP_OVERSIZED);
    m.size--;
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_OPTION_OVERRUN);
    env_destroy(&e);
}

static void
test_drop_message_types(void **state)
{
    static const struct {
        uint8_t type;
        enum dhcp6_drop drop;
    } cases[] = {
        { DHCP6_RELAY_FORW, DHCP6_DROP_RELAYED },
        { DHCP6_ADVERTISE, DHCP6_DROP_NOT_CLIENT_MESSAGE },
        { DHCP6_REPLY, DHCP6_DROP_NOT_CLIENT_MESSAGE },
        { DHCP6_RECONFIGURE, DHCP6_DROP_NOT_CLIENT_MESSAGE },
        { DHCP6_RELAY_REPL, DHCP6_DROP_NOT_CLIENT_MESSAGE },
        { 0, DHCP6_DROP_BAD_MSG_TYPE },
        { 14, DHCP6_DROP_BAD_MSG_TYPE },
        { 255, DHCP6_DROP_BAD_MSG_TYPE },
    };
    struct env e;
    env_init(&e);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct ofpbuf m;
        start_msg(&m, cases[i].type);
        put_client_id(&m);
        assert_int_equal(env_send_uninit(&e, &m), cases[i].drop);
    }

    /* A request not made by dhcp6_server_parse() is refused too. */
    struct dhcp6_request req;
    memset(&req, 0, sizeof req);
    req.type = DHCP6_ADVERTISE;
    req.eth_src = vm_mac;
    assert_int_equal(dhcp6_server_answer(e.s, &req, e.b, &e.reply),
                     DHCP6_DROP_BAD_MSG_TYPE);
    assert_int_equal(e.reply.size, 0);
    env_destroy(&e);
}

/* A Solicit with the bytes 'opts' after its Client ID. */
static enum dhcp6_drop
solicit_with(const void *opts, size_t len)
{
    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_from_client(&m, DHCP6_SOLICIT);
    ofpbuf_put(&m, opts, len);
    enum dhcp6_drop drop = env_send_uninit(&e, &m);
    env_destroy(&e);
    return drop;
}

/* Options must nest: at the top, in an IA, in an IA Address. */
static void
test_drop_option_overrun(void **state)
{
    assert_int_equal(solicit_with("\x00\x06\x00\x04\x00\x17", 6),
                     DHCP6_DROP_OPTION_OVERRUN);
    assert_int_equal(solicit_with("\x00\x06\x00", 3),
                     DHCP6_DROP_OPTION_OVERRUN);

    /* IA_NA of 16 bytes whose sub-option claims 8 but has 4. */
    static const uint8_t ia[] = {
        0x00, 0x03, 0x00, 0x10, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x0d, 0x00, 0x08,
    };
    assert_int_equal(solicit_with(ia, sizeof ia), DHCP6_DROP_OPTION_OVERRUN);

    /* An IA Address whose own options overrun it. */
    uint8_t ia_addr[4 + 12 + 4 + 24 + 4];
    memset(ia_addr, 0, sizeof ia_addr);
    memcpy(ia_addr, "\x00\x03\x00\x2c", 4);
    memcpy(ia_addr + 16, "\x00\x05\x00\x1c", 4);
    memcpy(ia_addr + 44, "\x00\x0d\x00\x09", 4);
    assert_int_equal(solicit_with(ia_addr, sizeof ia_addr),
                     DHCP6_DROP_OPTION_OVERRUN);
}

static void
test_drop_bad_option_length(void **state)
{
    /* Identifiers of 2 and 131 bytes. */
    uint8_t duid[4 + 131];
    memset(duid, 0, sizeof duid);
    memcpy(duid, "\x00\x02\x00\x02", 4);
    assert_int_equal(solicit_with(duid, 6), DHCP6_DROP_BAD_OPTION_LEN);
    memcpy(duid, "\x00\x02\x00\x83", 4);
    assert_int_equal(solicit_with(duid, sizeof duid),
                     DHCP6_DROP_BAD_OPTION_LEN);

    assert_int_equal(solicit_with("\x00\x0e\x00\x01\x00", 5),
                     DHCP6_DROP_BAD_OPTION_LEN);
    assert_int_equal(solicit_with("\x00\x06\x00\x03\x00\x17\x00", 7),
                     DHCP6_DROP_BAD_OPTION_LEN);

    /* IA_NA and IA_PD under 12 bytes, IA_TA under 4. */
    uint8_t ia[4 + 12 + 4 + 25];
    memset(ia, 0, sizeof ia);
    memcpy(ia, "\x00\x03\x00\x0b", 4);
    assert_int_equal(solicit_with(ia, 15), DHCP6_DROP_BAD_OPTION_LEN);
    memcpy(ia, "\x00\x19\x00\x0b", 4);
    assert_int_equal(solicit_with(ia, 15), DHCP6_DROP_BAD_OPTION_LEN);
    memcpy(ia, "\x00\x04\x00\x03", 4);
    assert_int_equal(solicit_with(ia, 7), DHCP6_DROP_BAD_OPTION_LEN);

    /* An IA Address of 23 bytes, an IA Prefix of 24. */
    memcpy(ia, "\x00\x03\x00\x27", 4);
    memcpy(ia + 16, "\x00\x05\x00\x17", 4);
    assert_int_equal(solicit_with(ia, 4 + 12 + 4 + 23),
                     DHCP6_DROP_BAD_OPTION_LEN);
    memcpy(ia, "\x00\x19\x00\x28", 4);
    memcpy(ia + 16, "\x00\x1a\x00\x18", 4);
    assert_int_equal(solicit_with(ia, 4 + 12 + 4 + 24),
                     DHCP6_DROP_BAD_OPTION_LEN);
}

static void
test_drop_duplicate_option(void **state)
{
    uint8_t twice[2 * (4 + sizeof client_duid)];
    for (int i = 0; i < 2; i++) {
        memcpy(twice + i * 18, "\x00\x01\x00\x0e", 4);
        memcpy(twice + i * 18 + 4, client_duid, sizeof client_duid);
    }
    /* solicit_with() put one Client ID already. */
    assert_int_equal(solicit_with(twice, 18), DHCP6_DROP_DUPLICATE_OPTION);
    assert_int_equal(solicit_with("\x00\x06\x00\x00\x00\x06\x00\x00", 8),
                     DHCP6_DROP_DUPLICATE_OPTION);

    struct env e;
    env_init(&e);
    struct ofpbuf m;
    start_to_server(&m, DHCP6_RENEW);
    put_server_id(&m);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_DUPLICATE_OPTION);
    env_destroy(&e);
}

/* The hard limits on IAs and addresses, and the largest reply they
 * allow, with the largest binding: it fits a 1500-byte frame. */
static void
test_limits(void **state)
{
    static const char *const addrs[] = {
        "fd00::1", "fd00::2", "fd00::3", "fd00::4", "fd00::5",
        "fd00::6", "fd00::7", "fd00::8", "fd00::9",
    };
    struct env e;
    env_init(&e);
    struct ofpbuf m;

    start_from_client(&m, DHCP6_SOLICIT);
    for (int i = 0; i < DHCP6_MAX_IAS + 1; i++) {
        put_ia(&m, DHCP6_OPT_IA_NA, i, NULL, 0);
    }
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_TOO_MANY_IAS);

    start_from_client(&m, DHCP6_SOLICIT);
    put_ia_na(&m, addrs, 5);
    put_ia(&m, DHCP6_OPT_IA_TA, 2, addrs + 5, 4);
    assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_TOO_MANY_ADDRESSES);

    /* The largest binding. */
    struct dhcp6_binding_config cfg;
    make_binding_config(&cfg);
    static const char *const names[] = {
        "a12345678901234567890123456789012345678901234567890123.example",
        "b12345678901234567890123456789012345678901234567890123.example",
        "c12345678901234567890123456789012345678901234567890123.example",
        "d12345678901234567890123456789012345678901234567890123.example",
        "e12345678901234567890123456789012345678901234567890123.example",
        "f12345678901234567890123456789012345678901234567890123.example",
        "g12345678901234567890123456789012345678901234567890123.example",
        "h12345678901234567890123456789012345678901234567890123.example",
    };
    for (cfg.n_search = 0; cfg.n_search < DHCP6_MAX_SEARCH; cfg.n_search++) {
        cfg.search[cfg.n_search] = names[cfg.n_search];
    }
    for (cfg.n_dns = 0; cfg.n_dns < DHCP6_MAX_DNS; cfg.n_dns++) {
        cfg.dns[cfg.n_dns] = ip6(addrs[cfg.n_dns]);
    }
    dhcp6_binding_destroy(e.b);
    assert_int_equal(dhcp6_binding_create(&cfg, &e.b, NULL), 0);

    /* Every message at the limits: 4 IAs, 8 addresses, a 130-byte DUID,
     * Rapid Commit. */
    static const uint8_t types[] = {
        DHCP6_SOLICIT, DHCP6_REQUEST, DHCP6_RENEW, DHCP6_REBIND,
        DHCP6_RELEASE, DHCP6_DECLINE, DHCP6_CONFIRM,
    };
    uint8_t long_duid[130];
    memset(long_duid, 0x42, sizeof long_duid);
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        start_msg(&m, types[i]);
        put_opt(&m, DHCP6_OPT_CLIENTID, long_duid, sizeof long_duid);
        if (types[i] != DHCP6_SOLICIT && types[i] != DHCP6_REBIND
            && types[i] != DHCP6_CONFIRM) {
            put_server_id(&m);
        }
        put_ia(&m, DHCP6_OPT_IA_NA, 1, addrs, 2);
        put_ia(&m, DHCP6_OPT_IA_NA, 2, addrs + 2, 2);
        put_ia(&m, DHCP6_OPT_IA_NA, 3, addrs + 4, 2);
        put_ia(&m, DHCP6_OPT_IA_TA, 4, addrs + 6, 2);
        put_opt(&m, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
        assert_int_equal(env_send_uninit(&e, &m), DHCP6_DROP_NONE);
        assert_true(e.reply.size <= ETH_HEADER_LEN + ETH_PAYLOAD_MAX);
    }
    env_destroy(&e);
}

/* ------------------------------------------------------------ the rest */

static void
test_names(void **state)
{
    for (int i = 0; i < DHCP6_N_DROPS; i++) {
        const char *name = dhcp6_drop_name(i);
        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, dhcp6_drop_name(j));
        }
    }
    for (int i = 0; i < DHCP6_N_EVENTS; i++) {
        const char *name = dhcp6_event_name(i);
        assert_string_not_equal(name, "unknown");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, dhcp6_event_name(j));
        }
    }
    assert_string_equal(dhcp6_drop_name(DHCP6_N_DROPS), "unknown");
    assert_string_equal(dhcp6_event_name(DHCP6_N_EVENTS), "unknown");
    assert_string_equal(dhcp6_drop_name(DHCP6_DROP_OTHER_SERVER),
                        "other-server");
}

/* DUID-LL of G: the same on every node. */
static void
test_server_duid(void **state)
{
    struct dhcp6_server *s = make_server();
    size_t len;
    const uint8_t *duid = dhcp6_server_duid(s, &len);
    assert_int_equal(len, sizeof server_duid);
    assert_memory_equal(duid, server_duid, sizeof server_duid);
    dhcp6_server_destroy(s);
    dhcp6_server_destroy(NULL);
}

static void
test_binding_config(void **state)
{
    struct dhcp6_binding_config cfg;
    struct dhcp6_binding *b, *b2;
    const char *error;

    make_binding_config(&cfg);
    assert_int_equal(dhcp6_binding_create(&cfg, &b, NULL), 0);
    assert_true(eth_addr_equals(dhcp6_binding_mac(b), vm_mac));
    struct in6_addr vm_ip = ip6(VM_IP);
    assert_true(ipv6_addr_equals(dhcp6_binding_address(b), &vm_ip));
    assert_int_equal(dhcp6_binding_create(&cfg, &b2, NULL), 0);
    assert_true(dhcp6_binding_equal(b, b2));
    dhcp6_binding_destroy(b2);
    cfg.search[0] = "other.local";
    assert_int_equal(dhcp6_binding_create(&cfg, &b2, NULL), 0);
    assert_false(dhcp6_binding_equal(b, b2));
    dhcp6_binding_destroy(b2);
    dhcp6_binding_destroy(b);
    dhcp6_binding_destroy(NULL);

    /* Infinite lifetimes make infinite T1 and T2; explicit ones are
     * kept. */
    make_binding_config(&cfg);
    cfg.preferred_lifetime = cfg.valid_lifetime = DHCP6_INFINITY;
    assert_int_equal(dhcp6_binding_create(&cfg, &b, NULL), 0);
    dhcp6_binding_destroy(b);
    cfg.t1 = 100;
    cfg.t2 = 200;
    assert_int_equal(dhcp6_binding_create(&cfg, &b, NULL), 0);
    dhcp6_binding_destroy(b);

#define BAD(STMT)                                                        \
    do {                                                                 \
        make_binding_config(&cfg);                                       \
        STMT;                                                            \
        error = NULL;                                                    \
        assert_int_equal(dhcp6_binding_create(&cfg, &b, &error), -EINVAL); \
        assert_null(b);                                                  \
        assert_non_null(error);                                          \
    } while (0)
    BAD(cfg.mac = eth_addr_zero);
    BAD(cfg.mac = eth_addr_broadcast);
    BAD(cfg.address = in6addr_any);
    BAD(cfg.address = ip6("fe80::5"));
    BAD(cfg.address = ip6("ff02::1"));
    BAD(cfg.address = ip6("::1"));
    BAD(cfg.n_dns = DHCP6_MAX_DNS + 1);
    BAD(cfg.dns[0] = ip6("ff02::1"));
    BAD(cfg.n_search = DHCP6_MAX_SEARCH + 1);
    BAD(cfg.search[0] = "bad..name");
    BAD(cfg.valid_lifetime = 0);
    BAD(cfg.preferred_lifetime = 7201);
    BAD(cfg.t1 = 2881);
    BAD(cfg.t2 = 3601);
    BAD(cfg.info_refresh_time = 599);
    BAD({
        /* Eight names of 65 bytes: 520 bytes. */
        static const char *const name =
            "x123456789012345678901234567890123456789012345678901234.example";
        for (cfg.n_search = 0; cfg.n_search < DHCP6_MAX_SEARCH;
             cfg.n_search++) {
            cfg.search[cfg.n_search] = name;
        }
    });
#undef BAD
}

int
main(void)
{
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solicit_advertise),
        cmocka_unit_test(test_solicit_rapid_commit),
        cmocka_unit_test(test_solicit_ias),
        cmocka_unit_test(test_solicit_nothing_to_offer),
        cmocka_unit_test(test_option_request),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_request_not_on_link),
        cmocka_unit_test(test_renew),
        cmocka_unit_test(test_renew_any_node),
        cmocka_unit_test(test_rebind),
        cmocka_unit_test(test_confirm),
        cmocka_unit_test(test_release_decline),
        cmocka_unit_test(test_information_request),
        cmocka_unit_test(test_unicast),
        cmocka_unit_test(test_no_binding),
        cmocka_unit_test(test_drop_identifiers),
        cmocka_unit_test(test_drop_unknown_client),
        cmocka_unit_test(test_drop_frames),
        cmocka_unit_test(test_drop_message_types),
        cmocka_unit_test(test_drop_option_overrun),
        cmocka_unit_test(test_drop_bad_option_length),
        cmocka_unit_test(test_drop_duplicate_option),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_server_duid),
        cmocka_unit_test(test_binding_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
