# kube/ -- ovnmigd's Kubernetes client: the HTTP/1.1 response decoder
# (http.c) and the decoders of watch streams and lists (stream.c), pure;
# the connection to the API server over libevent and OpenSSL (client.c);
# and the reflector that lists and watches one collection with client-go's
# semantics (reflector.c); the credentials, in-cluster or from a
# kubeconfig (credentials.c); what it reads of KubeVirt's objects (objects.c,
# pure); and the pure decision core that turns what the
# node knows of a VM into the next action on its port (decide.c).  See
# docs/architecture.md.
noinst_LIBRARIES += kube/libkube.a
kube_libkube_a_SOURCES = \
	kube/client.c \
	kube/client.h \
	kube/credentials.c \
	kube/credentials.h \
	kube/decide.c \
	kube/decide.h \
	kube/http.c \
	kube/http.h \
	kube/objects.c \
	kube/objects.h \
	kube/reflector.c \
	kube/reflector.h \
	kube/stream.c \
	kube/stream.h
kube_libkube_a_CPPFLAGS = $(AM_CPPFLAGS) $(EVENT_CFLAGS) $(SSL_CFLAGS) \
	$(YAML_CFLAGS)

# The pure decoders, and their second build under ASan/UBSan.
check_PROGRAMS += tests/test-kube-http tests/test-kube-http-asan
UNIT_TESTS += tests/test-kube-http tests/test-kube-http-asan
tests_test_kube_http_SOURCES = tests/test-kube-http.c kube/http.c kube/http.h
tests_test_kube_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_kube_http_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_kube_http_asan_SOURCES = $(tests_test_kube_http_SOURCES)
tests_test_kube_http_asan_CFLAGS = $(tests_test_kube_http_CFLAGS) $(SAN_CFLAGS)
tests_test_kube_http_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_http_asan_LDADD = $(tests_test_kube_http_LDADD)

check_PROGRAMS += tests/test-kube-stream tests/test-kube-stream-asan
UNIT_TESTS += tests/test-kube-stream tests/test-kube-stream-asan
tests_test_kube_stream_SOURCES = tests/test-kube-stream.c kube/stream.c \
	kube/stream.h
tests_test_kube_stream_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_kube_stream_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_kube_stream_asan_SOURCES = $(tests_test_kube_stream_SOURCES)
tests_test_kube_stream_asan_CFLAGS = $(tests_test_kube_stream_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_kube_stream_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_stream_asan_LDADD = $(tests_test_kube_stream_LDADD)

check_PROGRAMS += tests/test-kube-credentials tests/test-kube-credentials-asan
UNIT_TESTS += tests/test-kube-credentials tests/test-kube-credentials-asan
tests_test_kube_credentials_SOURCES = tests/test-kube-credentials.c \
	kube/credentials.c kube/credentials.h lib/yaml-doc.c lib/yaml-doc.h
tests_test_kube_credentials_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(YAML_CFLAGS)
tests_test_kube_credentials_LDADD = $(CMOCKA_LIBS) $(YAML_LIBS) $(OVS_LIBS)
tests_test_kube_credentials_asan_SOURCES = \
	$(tests_test_kube_credentials_SOURCES)
tests_test_kube_credentials_asan_CFLAGS = \
	$(tests_test_kube_credentials_CFLAGS) $(SAN_CFLAGS)
tests_test_kube_credentials_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_credentials_asan_LDADD = $(tests_test_kube_credentials_LDADD)

check_PROGRAMS += tests/test-kube-objects tests/test-kube-objects-asan
UNIT_TESTS += tests/test-kube-objects tests/test-kube-objects-asan
tests_test_kube_objects_SOURCES = tests/test-kube-objects.c kube/objects.c \
	kube/objects.h kube/stream.c
tests_test_kube_objects_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_kube_objects_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_kube_objects_asan_SOURCES = $(tests_test_kube_objects_SOURCES)
tests_test_kube_objects_asan_CFLAGS = $(tests_test_kube_objects_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_kube_objects_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_objects_asan_LDADD = $(tests_test_kube_objects_LDADD)

check_PROGRAMS += tests/test-kube-decide tests/test-kube-decide-asan
UNIT_TESTS += tests/test-kube-decide tests/test-kube-decide-asan
tests_test_kube_decide_SOURCES = tests/test-kube-decide.c kube/decide.c \
	kube/decide.h
tests_test_kube_decide_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_kube_decide_LDADD = $(CMOCKA_LIBS) $(OVS_LIBS)
tests_test_kube_decide_asan_SOURCES = $(tests_test_kube_decide_SOURCES)
tests_test_kube_decide_asan_CFLAGS = $(tests_test_kube_decide_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_kube_decide_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_decide_asan_LDADD = $(tests_test_kube_decide_LDADD)

# The client and the reflector against the Kubernetes API stand-in
# (tests/kube/kube-standin; skips without python3).
check_PROGRAMS += tests/test-kube-reflector tests/test-kube-reflector-asan
UNIT_TESTS += tests/test-kube-reflector tests/test-kube-reflector-asan
tests_test_kube_reflector_SOURCES = tests/test-kube-reflector.c \
	$(kube_libkube_a_SOURCES) lib/yaml-doc.c lib/yaml-doc.h
tests_test_kube_reflector_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_test_kube_reflector_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(EVENT_CFLAGS) $(SSL_CFLAGS) $(YAML_CFLAGS)
tests_test_kube_reflector_LDADD = $(CMOCKA_LIBS) $(EVENT_LIBS) $(SSL_LIBS) \
	$(YAML_LIBS) $(OVS_LIBS)
tests_test_kube_reflector_asan_SOURCES = $(tests_test_kube_reflector_SOURCES)
tests_test_kube_reflector_asan_CPPFLAGS = $(tests_test_kube_reflector_CPPFLAGS)
tests_test_kube_reflector_asan_CFLAGS = $(tests_test_kube_reflector_CFLAGS) \
	$(SAN_CFLAGS)
tests_test_kube_reflector_asan_LDFLAGS = $(SAN_CFLAGS)
tests_test_kube_reflector_asan_LDADD = $(tests_test_kube_reflector_LDADD)

# Fuzzing: the watch stream, list and HTTP decoders, and the readers of
# KubeVirt's objects, on arbitrary bytes.
FUZZ_TARGETS += kube-api
KUBE_API_FUZZ_SOURCES = tests/fuzz/fuzz-kube-api.c kube/http.c kube/stream.c \
	kube/objects.c kube/credentials.c lib/yaml-doc.c
check_PROGRAMS += tests/fuzz/kube-api-corpus-run
UNIT_TESTS += tests/fuzz/kube-api-corpus-run
tests_fuzz_kube_api_corpus_run_SOURCES = tests/fuzz/standalone.c \
	$(KUBE_API_FUZZ_SOURCES)
tests_fuzz_kube_api_corpus_run_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/kube-api"'
tests_fuzz_kube_api_corpus_run_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) \
	$(SAN_CFLAGS)
tests_fuzz_kube_api_corpus_run_LDFLAGS = $(SAN_CFLAGS)
tests_fuzz_kube_api_corpus_run_LDADD = $(YAML_LIBS) $(OVS_LIBS)
tests/fuzz/kube-api-fuzzer: $(KUBE_API_FUZZ_SOURCES)
	$(AM_V_CC)$(FUZZ_COMPILE) -o $@ $(KUBE_API_FUZZ_SOURCES:%=$(srcdir)/%) \
	  $(YAML_LIBS) $(OVS_LIBS)
