/* test_jsonout: the JSON printer against real `jq .` and `jq -c .` output
 * for a varied corpus (hand-written documents, every number class, every
 * control character, invalid UTF-8, random trees), plus hard-coded cases
 * for what jq cannot show: duplicate keys, NaN, depth beyond jq's limit of
 * 256, and the one place we deliberately differ from jq. */
#include "check.h"
#include "jsonout.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *pretty(const cJSON *j)
{
    struct strbuf sb = STRBUF_INIT;
    json_print_pretty(&sb, j);
    return sb_detach(&sb, NULL);
}

static char *compact(const cJSON *j)
{
    struct strbuf sb = STRBUF_INIT;
    json_print_compact(&sb, j);
    return sb_detach(&sb, NULL);
}

static char *number(double v)
{
    struct strbuf sb = STRBUF_INIT;
    json_append_number(&sb, v);
    return sb_detach(&sb, NULL);
}

static char *string(const char *s)
{
    struct strbuf sb = STRBUF_INIT;
    json_append_string(&sb, s);
    return sb_detach(&sb, NULL);
}

#define CHECK_OWNED_STR(expr, expected)                                                            \
    do {                                                                                           \
        char *got_ = (expr);                                                                       \
        CHECK_STR(got_, expected);                                                                 \
        free(got_);                                                                                \
    } while (0)

/* Pretty and compact output of a document given as text. */
static void check_doc(const char *text, const char *want_pretty, const char *want_compact)
{
    cJSON *j = cJSON_Parse(text);
    CHECK(j != NULL);
    if (!j)
        return;
    CHECK_OWNED_STR(pretty(j), want_pretty);
    CHECK_OWNED_STR(compact(j), want_compact);
    cJSON_Delete(j);
}

/* ---- hard-coded expectations ---- */

static void test_numbers(void)
{
    CHECK_OWNED_STR(number(0), "0");
    CHECK_OWNED_STR(number(-0.0), "-0");
    CHECK_OWNED_STR(number(1), "1");
    CHECK_OWNED_STR(number(-25), "-25");
    CHECK_OWNED_STR(number(72.0), "72");
    CHECK_OWNED_STR(number(1.5), "1.5");
    CHECK_OWNED_STR(number(0.1), "0.1");
    CHECK_OWNED_STR(number(72.5), "72.5");
    CHECK_OWNED_STR(number(1e-7), "1e-07");
    CHECK_OWNED_STR(number(1e-5), "1e-05");
    CHECK_OWNED_STR(number(0.0001), "0.0001");
    CHECK_OWNED_STR(number(1e300), "1e+300");
    CHECK_OWNED_STR(number(-1e300), "-1e+300");
    CHECK_OWNED_STR(number(5e-324), "5e-324");
    CHECK_OWNED_STR(number(1e15), "1000000000000000");
    CHECK_OWNED_STR(number(1e16), "1e+16");
    CHECK_OWNED_STR(number(9007199254740992.0), "9007199254740992");
    CHECK_OWNED_STR(number(-9007199254740992.0), "-9007199254740992");
    CHECK_OWNED_STR(number(9007199254740991.0), "9007199254740991");
    CHECK_OWNED_STR(number(12345678901234567890.0), "12345678901234567000");
    CHECK_OWNED_STR(number(123456789012345678.0), "123456789012345680");
    CHECK_OWNED_STR(number(1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_OWNED_STR(number(0.30000000000000004), "0.30000000000000004");
    /* Next to a power of two the shortest form is not the rounded one. */
    CHECK_OWNED_STR(number(ldexp(1, -1017)), "7.120236347223045e-307");
    CHECK_OWNED_STR(number(NAN), "null");
    CHECK_OWNED_STR(number(INFINITY), "null");
    CHECK_OWNED_STR(number(-INFINITY), "null");
}

static void test_strings(void)
{
    CHECK_OWNED_STR(string(""), "\"\"");
    CHECK_OWNED_STR(string(NULL), "\"\"");
    CHECK_OWNED_STR(string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
    CHECK_OWNED_STR(string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
    CHECK_OWNED_STR(string("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
    CHECK_OWNED_STR(string("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* Invalid UTF-8 as jq's parser replaces it. */
    CHECK_OWNED_STR(string("a\x80z"), "\"a\xef\xbf\xbdz\"");
    CHECK_OWNED_STR(string("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    CHECK_OWNED_STR(string("\xe0\x80\x80"), "\"\xef\xbf\xbd\"");
    CHECK_OWNED_STR(string("\xed\xa0\x80"), "\"\xef\xbf\xbd\"");
    CHECK_OWNED_STR(string("\xe2\x82"), "\"\xef\xbf\xbd\"");
    /* The deliberate difference: jq 1.6 prints "\ufffd" alone for these,
     * dropping the ASCII characters after the cut-short sequence. */
    CHECK_OWNED_STR(string("\xf0"
                           "A"),
                    "\"\xef\xbf\xbd"
                    "A\"");
    CHECK_OWNED_STR(string("\xf0"
                           "AB"),
                    "\"\xef\xbf\xbd"
                    "AB\"");
}

static void test_layout(void)
{
    check_doc("{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":[],\"e\":\"x\"}",
              "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n"
              "  \"d\": [],\n  \"e\": \"x\"\n}\n",
              "{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":[],\"e\":\"x\"}");
    check_doc("[]", "[]\n", "[]");
    check_doc("{}", "{}\n", "{}");
    check_doc("[[]]", "[\n  []\n]\n", "[[]]");
    check_doc("1", "1\n", "1");
    check_doc("\"s\"", "\"s\"\n", "\"s\"");
    check_doc("[true,false,null]", "[\n  true,\n  false,\n  null\n]\n", "[true,false,null]");
    /* Duplicate keys stay as given, in order (jq keeps only the last). */
    check_doc("{\"a\":1,\"b\":2,\"a\":3}", "{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}\n",
              "{\"a\":1,\"b\":2,\"a\":3}");
    /* cJSON reads 1e999 as infinity; we print null (jq: DBL_MAX). */
    check_doc("[1e999,-1e999]", "[\n  null,\n  null\n]\n", "[null,null]");

    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "nan", NAN);
    cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("[1, 2]"));
    CHECK_OWNED_STR(compact(o), "{\"nan\":null,\"raw\":[1, 2]}");
    cJSON_Delete(o);

    CHECK_OWNED_STR(compact(NULL), "null");
}

/* Arrays (or objects with one member "k") nested depth deep, as text and
 * as the expected pretty output. */
static void deep_expectation(int depth, bool objects, struct strbuf *text, struct strbuf *want)
{
    const char *open = objects ? "{" : "[", *close = objects ? "}" : "]";
    for (int i = 0; i < depth; i++) {
        if (i > 0) {
            sb_putc(want, '\n');
            for (int k = 0; k < i; k++)
                sb_puts(want, "  ");
            if (objects)
                sb_puts(want, "\"k\": ");
        }
        bool innermost = i == depth - 1;
        sb_puts(text, open);
        sb_puts(want, open);
        if (innermost) {
            sb_puts(text, close);
            sb_puts(want, close);
        } else if (objects) {
            sb_puts(text, "\"k\":");
        }
    }
    for (int i = depth - 2; i >= 0; i--) {
        sb_puts(text, close);
        sb_putc(want, '\n');
        for (int k = 0; k < i; k++)
            sb_puts(want, "  ");
        sb_puts(want, close);
    }
    sb_putc(want, '\n');
}

static void test_depth(void)
{
    /* cJSON parses at most 1000 levels; the printer must do all of them. */
    for (int objects = 0; objects < 2; objects++) {
        struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
        deep_expectation(1000, objects, &text, &want);
        cJSON *j = cJSON_Parse(text.data);
        CHECK(j != NULL);
        CHECK_OWNED_STR(pretty(j), want.data);
        CHECK_OWNED_STR(compact(j), text.data);
        cJSON_Delete(j);
        sb_free(&text);
        sb_free(&want);
    }

    /* A tree built in code has no limit; the printer is iterative. */
    enum { DEEP = 100000 };
    cJSON *root = cJSON_CreateArray(), *cur = root;
    for (int i = 1; i < DEEP; i++) {
        cJSON *next = cJSON_CreateArray();
        cJSON_AddItemToArray(cur, next);
        cur = next;
    }
    char *out = compact(root);
    CHECK_INT(strlen(out), 2 * DEEP);
    CHECK(out[DEEP - 1] == '[' && out[DEEP] == ']');
    free(out);
    /* cJSON_Delete recurses: free the chain from the top instead. */
    while (root) {
        cJSON *child = root->child;
        if (child)
            cJSON_DetachItemViaPointer(root, child);
        cJSON_Delete(root);
        root = child;
    }
}

/* ---- comparison with jq ---- */

/* Run `jq <args>` on doc; its stdout goes to out. Returns the exit status. */
static int run_jq(const char *args, const char *doc, size_t len, struct strbuf *out)
{
    char path[] = "/tmp/test_jsonout.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    bool ok = write(fd, doc, len) == (ssize_t)len;
    close(fd);
    int status = -1;
    if (ok) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "jq %s < %s 2>/dev/null", args, path);
        FILE *p = popen(cmd, "r");
        if (p) {
            char buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
                sb_append(out, buf, n);
            status = pclose(p);
        }
    }
    unlink(path);
    return status;
}

/* Every document of the corpus, compared with jq in one run per mode (jq
 * starts slowly) and one by one only to find the culprit of a difference. */
static struct {
    char **docs;
    size_t n, cap;
} corpus;

static void corpus_add(const char *doc)
{
    if (corpus.n == corpus.cap) {
        corpus.cap = corpus.cap ? corpus.cap * 2 : 64;
        corpus.docs = xrealloc(corpus.docs, corpus.cap * sizeof(*corpus.docs));
    }
    corpus.docs[corpus.n++] = xstrdup(doc);
}

/* Our output for docs[0..n), as jq prints a stream: each value followed by
 * a newline. Returns false when cJSON cannot parse one of them. */
static bool print_stream(char **docs, size_t n, bool pretty_mode, struct strbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(docs[i]);
        if (!j) {
            fprintf(stderr, "cJSON cannot parse: %.200s\n", docs[i]);
            return false;
        }
        if (pretty_mode) {
            json_print_pretty(out, j);
        } else {
            json_print_compact(out, j);
            sb_putc(out, '\n');
        }
        cJSON_Delete(j);
    }
    return true;
}

static bool stream_matches_jq(char **docs, size_t n, bool pretty_mode, bool report)
{
    struct strbuf input = STRBUF_INIT, ours = STRBUF_INIT, theirs = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        sb_puts(&input, docs[i]);
        sb_putc(&input, '\n');
    }
    bool ok = print_stream(docs, n, pretty_mode, &ours) &&
              run_jq(pretty_mode ? "." : "-c .", input.data, input.len, &theirs) == 0 &&
              ours.len == theirs.len && memcmp(ours.data, theirs.data, ours.len) == 0;
    if (!ok && report) {
        size_t i = 0;
        while (i < ours.len && i < theirs.len && ours.data[i] == theirs.data[i])
            i++;
        size_t from = i > 40 ? i - 40 : 0;
        fprintf(stderr, "jq %s differs at byte %zu for: %.200s\n  ours: %.80s\n  jq:   %.80s\n",
                pretty_mode ? "." : "-c", i, input.data, ours.data ? ours.data + from : "",
                theirs.data ? theirs.data + from : "");
    }
    sb_free(&input);
    sb_free(&ours);
    sb_free(&theirs);
    return ok;
}

static void compare_corpus_with_jq(void)
{
    for (int pretty_mode = 1; pretty_mode >= 0; pretty_mode--) {
        bool ok = stream_matches_jq(corpus.docs, corpus.n, pretty_mode, false);
        CHECK(ok);
        for (size_t i = 0; !ok && i < corpus.n; i++)
            CHECK(stream_matches_jq(&corpus.docs[i], 1, pretty_mode, true));
    }
    for (size_t i = 0; i < corpus.n; i++)
        free(corpus.docs[i]);
    free(corpus.docs);
}

static const char *const hand_corpus[] = {
    "{}",
    "[]",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "\"\"",
    "{\"a\":{},\"b\":[],\"c\":[{}],\"d\":[[]],\"e\":{\"f\":{}}}",
    "[1,[2,[3,[4,{\"x\":[5,{}]}]]]]",
    "{\"z\":1,\"a\":2,\"m\":3,\"b\":{\"y\":1,\"c\":2}}",
    "{\"\":\"\",\" \":\" \",\"k\\\"q\":\"v\\\\w\",\"\\n\":\"\\t\"}",
    "{\"tenant_id\":\"8f1c2e4a-1b2c-4d5e-8f90-123456789abc\",\"tenant_name\":\"Acme Corp\","
    "\"exchange_bootstrap_ready\":true,\"last_sync_at\":\"2025-01-20T10:00:00Z\","
    "\"domain_count\":12,\"mailbox_count\":36,\"utilization_pct\":72.0,\"blocked_at\":null}",
    "{\"mailboxes\":[{\"id\":\"uuid\",\"display_name\":\"John \\\"JD\\\" Doe\","
    "\"daily_send_limit\":25,\"sends_today\":12,\"blocked_at\":null},"
    "{\"id\":\"uuid2\",\"display_name\":\"Zo\\u00eb\",\"daily_send_limit\":null}],\"count\":2}",
    "[\"quote\\\"\",\"back\\\\slash\",\"sl/ash\",\"\\/escaped\",\"\\b\\f\\n\\r\\t\"]",
    "[\"\\u007f\",\"\x7f\",\"\\u0080\\u009f\\u00a0\",\"\\u2028\\u2029\",\"\\ufeff\\ufffd\\uffff\"]",
    "[\"caf\xc3\xa9\",\"\xe4\xb8\xad\xe6\x96\x87\",\"\xf0\x9f\x98\x80\",\"\\ud83d\\ude00\","
    "\"\\u00e9\\u4e2d\",\"\xf4\x8f\xbf\xbf\",\"\xef\xbb\xbf\"]",
    "{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\",\"\\u0001key\":1}",
    /* invalid UTF-8 as raw bytes */
    "[\"a\x80z\",\"\xbf\",\"\xc0\xaf\",\"\xc1\xbf\",\"\xe0\x80\x80\",\"\xed\xa0\x80\","
    "\"\xed\xbf\xbf\"]",
    "[\"\xf4\x90\x80\x80\",\"\xf5\x80\x80\x80\",\"\xf8\x88\x80\x80\x80\",\"\xfe\xff\",\"\xff\"]",
    "[\"\xe2\x82\",\"\xe2\x82z\",\"\xc3\",\"\xc3z\",\"\xf0\x9f\x98\",\"\xf0\x9f\x98zzzz\","
    "\"\xe2\x82\xac"
    "A\x80\x80\"]",
    "{\"\xff\xfe\":\"key with bad bytes\"}",
    "[0,1,-1,25,100,1000000,72.0,72.5,1.5,0.1,0.2,0.3,1e-7,1e300,1e-300,-2.5e-5,3.0e2]",
    "[9007199254740991,9007199254740992,9007199254740993,-9007199254740992,"
    "18014398509481984,12345678901234567890,123456789012345678,100000000000000000000]",
    "[1e15,1e16,1e17,1e21,1e22,1e23,5e-324,2.2250738585072014e-308,1.7976931348623157e308]",
    "[0.0001,0.00001,0.001,123.456,1.0e-4,4.35,0.30000000000000004,3.141592653589793]",
    "[1E2,1e+2,-0.0,0.5e1,123456.789e3]",
    "[ 1 , { \"a\" : [ ] } ,\n\t\"x\" ]",
};

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Every control character, escaped as JSON input must carry them. */
static void corpus_control_characters(void)
{
    struct strbuf doc = STRBUF_INIT;
    sb_putc(&doc, '[');
    for (int c = 1; c < 0x20; c++)
        sb_printf(&doc, "\"a\\u%04xb\",", c);
    sb_puts(&doc, "\"\\u007f\"]");
    corpus_add(doc.data);
    sb_free(&doc);
}

static void append_double(struct strbuf *sb, double v)
{
    sb_printf(sb, "%s%.17g", sb->len > 1 ? "," : "", v);
}

static void corpus_numbers(void)
{
    struct strbuf doc = STRBUF_INIT;

    sb_putc(&doc, '[');
    for (int e = -1074; e <= 1023; e++)
        append_double(&doc, ldexp(1, e));
    sb_putc(&doc, ']');
    corpus_add(doc.data);

    sb_reset(&doc);
    sb_putc(&doc, '[');
    for (int e = -323; e <= 308; e++)
        sb_printf(&doc, "%s1e%d,-3e%d", e > -323 ? "," : "", e, e < 308 ? e : 307);
    sb_putc(&doc, ']');
    corpus_add(doc.data);

    /* Random bit patterns: every exponent and mantissa shape. */
    for (int round = 0; round < 4; round++) {
        sb_reset(&doc);
        sb_putc(&doc, '[');
        for (int i = 0; i < 1000; i++) {
            uint64_t bits = rng();
            double v;
            memcpy(&v, &bits, sizeof(v));
            if (isfinite(v))
                append_double(&doc, v);
        }
        sb_putc(&doc, ']');
        corpus_add(doc.data);
    }

    /* Short decimals and integers around 2^53, as APIs send them. */
    sb_reset(&doc);
    sb_putc(&doc, '[');
    for (int i = 0; i < 2000; i++) {
        uint64_t r = rng();
        if (i % 4 == 0)
            sb_printf(&doc, "%s%llu.%llu", i ? "," : "", (unsigned long long)(r % 100000),
                      (unsigned long long)((r >> 20) % 1000));
        else if (i % 4 == 1)
            sb_printf(&doc, ",%llde%d", (long long)(r % 2000000) - 1000000,
                      (int)((r >> 32) % 60) - 30);
        else if (i % 4 == 2)
            sb_printf(&doc, ",%llu", (unsigned long long)((1ull << 53) - 500 + (r % 1000)));
        else
            sb_printf(&doc, ",%llu", (unsigned long long)(r >> (r % 64)));
    }
    sb_putc(&doc, ']');
    corpus_add(doc.data);
    sb_free(&doc);
}

/* A random string of bytes >= 0x20 (JSON forbids raw controls) with many
 * invalid UTF-8 sequences. It ends in three ASCII letters: jq 1.6 drops
 * the characters after a sequence cut short near the end of a string, the
 * one case in which we do better (tested above). */
static void append_random_string(struct strbuf *sb)
{
    static const char *const pieces[] = {"a",
                                         " ",
                                         "\\\"",
                                         "\\\\",
                                         "\\n",
                                         "\\u0003",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\\ud83d\\ude00"};
    sb_putc(sb, '"');
    int n = (int)(rng() % 12);
    for (int i = 0; i < n; i++) {
        uint64_t r = rng();
        if (r % 3 == 0) {
            sb_putc(sb, (char)(0x80 + (r >> 8) % 0x80)); /* any high byte */
        } else {
            sb_puts(sb, pieces[(r >> 8) % (sizeof(pieces) / sizeof(*pieces))]);
        }
    }
    sb_puts(sb, "xyz\"");
}

static void append_random_value(struct strbuf *sb, int depth)
{
    uint64_t r = rng() % (depth > 6 ? 6 : 9);
    switch (r) {
    case 0:
        sb_puts(sb, (rng() & 1) ? "true" : "false");
        break;
    case 1:
        sb_puts(sb, "null");
        break;
    case 2:
        sb_printf(sb, "%lld", (long long)(rng() % 100000) - 50000);
        break;
    case 3:
        sb_printf(sb, "%.17g", (double)(rng() % 1000000) / 1000.0);
        break;
    case 4:
    case 5:
        append_random_string(sb);
        break;
    case 6:
    case 7: {
        sb_putc(sb, '[');
        int n = (int)(rng() % 5);
        for (int i = 0; i < n; i++) {
            if (i)
                sb_putc(sb, ',');
            append_random_value(sb, depth + 1);
        }
        sb_putc(sb, ']');
        break;
    }
    default: {
        /* Keys are unique per object: jq would merge duplicates. */
        sb_putc(sb, '{');
        int n = (int)(rng() % 5);
        for (int i = 0; i < n; i++) {
            sb_printf(sb, "%s\"k%d", i ? "," : "", i);
            struct strbuf key = STRBUF_INIT;
            append_random_string(&key);
            sb_append(sb, key.data + 1, key.len - 1); /* unique prefix, random rest */
            sb_free(&key);
            sb_putc(sb, ':');
            append_random_value(sb, depth + 1);
        }
        sb_putc(sb, '}');
        break;
    }
    }
}

static void corpus_random_trees(void)
{
    for (int i = 0; i < 150; i++) {
        struct strbuf doc = STRBUF_INIT;
        append_random_value(&doc, 0);
        corpus_add(doc.data);
        sb_free(&doc);
    }
}

static void corpus_deep(void)
{
    /* jq 1.6 refuses to parse beyond 256 levels (an object counts twice). */
    for (int objects = 0; objects < 2; objects++) {
        struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
        deep_expectation(objects ? 128 : 256, objects, &text, &want);
        corpus_add(text.data);
        sb_free(&text);
        sb_free(&want);
    }
}

static void test_against_jq(void)
{
    struct strbuf out = STRBUF_INIT;
    bool have_jq = run_jq(".", "1", 1, &out) == 0 && out.data && strcmp(out.data, "1\n") == 0;
    sb_free(&out);
    /* jq is a test dependency (.ci/run installs it): without it this test
     * would prove nothing, so it fails. */
    CHECK(have_jq);
    if (!have_jq) {
        fprintf(stderr, "test_jsonout: jq not found; install jq\n");
        return;
    }
    for (size_t i = 0; i < sizeof(hand_corpus) / sizeof(*hand_corpus); i++)
        corpus_add(hand_corpus[i]);
    corpus_control_characters();
    corpus_numbers();
    corpus_random_trees();
    corpus_deep();
    compare_corpus_with_jq();
    fprintf(stderr, "test_jsonout: %zu documents compared with jq . and jq -c .\n", corpus.n);
}

int main(void)
{
    test_numbers();
    test_strings();
    test_layout();
    test_depth();
    test_against_jq();
    return check_report("test_jsonout");
}
