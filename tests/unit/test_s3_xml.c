/*
 * test_s3_xml.c — the S3 answers the client parses (expat), in the shapes
 * the S3 API reference documents: <Error> bodies (AWS and RGW's empty
 * <Message>), InitiateMultipartUploadResult, CompleteMultipartUpload's 200
 * with an embedded <Error>, ListObjectsV2 pages with continuation tokens,
 * ListMultipartUploads, ListParts, GetObjectTagging, the x-amz-restore
 * header of HeadObject (ongoing-request="true"/"false" with expiry-date), the
 * retry classification, the error explanations, the part-size rule, and the
 * listing paginator (s3_page.c) over canned pages: markers followed and
 * encoded, a stop by the consumer, and a service that repeats its
 * continuation token or truncates without one ends with an error instead of
 * a loop. Integrity: encoding-type=url keys decoded (control characters
 * survive, bad escapes fail the page), single and multipart ETags, the
 * create-only key rule, and Object Lock's retain-until from the log date.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "s3_page.h"
#include "s3_xml.h"
#include "store_s3.h"

#define S(x) x, strlen(x)

static void test_error_bodies(void **state)
{
    s3_xml_error_t e;
    const char *aws = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<Error>\n  <Code>NoSuchKey</Code>\n"
                      "  <Message>The resource you requested does not exist</Message>\n"
                      "  <Resource>/mybucket/myfoto.jpg</Resource>\n"
                      "  <RequestId>4442587FB7D0A2F9</RequestId>\n</Error>";
    assert_int_equal(s3_xml_error(S(aws), &e), 0);
    assert_string_equal(e.code, "NoSuchKey");
    assert_string_equal(e.message, "The resource you requested does not exist");
    assert_string_equal(e.request_id, "4442587FB7D0A2F9");

    /* RGW: empty Message, BucketName, HostId */
    const char *rgw = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
                      "<Message></Message><BucketName>nope</BucketName><RequestId>tx0000-00"
                      "</RequestId><HostId>1234-default-default</HostId></Error>";
    assert_int_equal(s3_xml_error(S(rgw), &e), 0);
    assert_string_equal(e.code, "NoSuchBucket");
    assert_string_equal(e.message, "");

    const char *region = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The "
                         "authorization header is malformed; the region 'us-east-1' is wrong; "
                         "expecting 'eu-west-1'</Message><Region>eu-west-1</Region>"
                         "<RequestId>A1</RequestId></Error>";
    assert_int_equal(s3_xml_error(S(region), &e), 0);
    assert_string_equal(e.region, "eu-west-1");

    assert_int_equal(s3_xml_error(S("<ListBucketResult/>"), &e), -1);
    assert_int_equal(s3_xml_error(S("not xml at all"), &e), -1);
    assert_int_equal(s3_xml_error("", 0, &e), -1);
}

static void test_initiate(void **state)
{
    char *id = NULL;
    const char *b = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<InitiateMultipartUploadResult "
                    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
                    "  <Bucket>example-bucket</Bucket>\n  <Key>example-object</Key>\n"
                    "  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"
                    "</UploadId>\n</InitiateMultipartUploadResult>";
    assert_int_equal(s3_xml_initiate(S(b), &id), 0);
    assert_string_equal(id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
    free(id);
    assert_int_equal(s3_xml_initiate(S("<InitiateMultipartUploadResult/>"), &id), -1);
    assert_null(id);
}

static void test_complete(void **state)
{
    char etag[128];
    s3_xml_error_t e;
    const char *ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<CompleteMultipartUploadResult "
                     "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
                     "  <Location>http://Example-Bucket.s3.region.amazonaws.com/Example-Object"
                     "</Location>\n  <Bucket>Example-Bucket</Bucket>\n  <Key>Example-Object</Key>\n"
                     "  <ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>\n"
                     "</CompleteMultipartUploadResult>";
    assert_int_equal(s3_xml_complete(S(ok), etag, sizeof etag, &e), 0);
    assert_string_equal(etag, "\"3858f62230ac3c915f300c664312c11f-9\"");

    /* S3 sends 200 first, keeps the connection alive with whitespace, and
     * may then put an <Error> in the body: that is a failure */
    const char *err200 =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n\n   \n"
        "<Error>\n  <Code>InternalError</Code>\n"
        "  <Message>We encountered an internal error. Please try again."
        "</Message>\n  <RequestId>656c76696e6727732072657175657374</RequestId>\n"
        "  <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>\n"
        "</Error>";
    assert_int_equal(s3_xml_complete(S(err200), etag, sizeof etag, &e), 1);
    assert_string_equal(e.code, "InternalError");
    assert_true(s3_is_retryable(200, e.code));

    const char *bad = "<Error><Code>InvalidPart</Code><Message></Message></Error>";
    assert_int_equal(s3_xml_complete(S(bad), NULL, 0, &e), 1);
    assert_false(s3_is_retryable(200, e.code));

    /* whitespace only (connection cut before the result): not a success */
    assert_int_equal(s3_xml_complete(S("\n   \n"), NULL, 0, &e), -1);
    assert_int_equal(s3_xml_complete("", 0, NULL, 0, &e), -1);
}

typedef struct seen {
    char keys[8][64];
    int64_t sizes[8];
    char classes[8][32];
    int n, stop_after;
} seen_t;

static int on_obj(void *ctx, const s3_xml_object_t *o)
{
    seen_t *s = ctx;
    snprintf(s->keys[s->n], 64, "%s", o->key);
    snprintf(s->classes[s->n], 32, "%s", o->storage_class);
    s->sizes[s->n++] = o->size;
    return s->stop_after && s->n >= s->stop_after;
}

static void test_list_v2(void **state)
{
    const char *page1 =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
        "  <Name>bucket</Name>\n  <Prefix>cp/</Prefix>\n  <KeyCount>2</KeyCount>\n"
        "  <MaxKeys>2</MaxKeys>\n  <IsTruncated>true</IsTruncated>\n"
        "  <Contents>\n    <Key>cp/tenant=a/date=2026-11-23/source=s1/vol-0001.tar.gz</Key>\n"
        "    <LastModified>2026-11-24T02:10:00.000Z</LastModified>\n"
        "    <ETag>\"599bab3ed2c697f1d26842727561fd94-3\"</ETag>\n    <Size>3145728000</Size>\n"
        "    <StorageClass>DEEP_ARCHIVE</StorageClass>\n  </Contents>\n"
        "  <Contents>\n    "
        "<Key>cp/tenant=a/date=2026-11-23/source=s1/vol-0001.index.json.gz</Key>\n"
        "    <LastModified>2026-11-24T02:10:01.000Z</LastModified>\n"
        "    <ETag>\"fba9dede5f27731c9771645a39863328\"</ETag>\n    <Size>4096</Size>\n"
        "    <StorageClass>STANDARD</StorageClass>\n  </Contents>\n"
        "  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
        "</NextContinuationToken>\n</ListBucketResult>";
    seen_t s = {0};
    int trunc = 0, stopped = 0;
    char *tok = NULL;
    assert_int_equal(s3_xml_list(S(page1), on_obj, &s, &trunc, &tok, &stopped), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.keys[0], "cp/tenant=a/date=2026-11-23/source=s1/vol-0001.tar.gz");
    assert_true(s.sizes[0] == 3145728000LL);
    assert_string_equal(s.classes[0], "DEEP_ARCHIVE");
    assert_string_equal(s.classes[1], "STANDARD");
    assert_true(trunc);
    assert_string_equal(tok, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    char *enc = s3_qenc(tok);
    assert_string_equal(enc, "1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D");
    free(enc);
    free(tok);

    const char *last = "<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount>"
                       "<IsTruncated>false</IsTruncated><Contents><Key>cp/x</Key><Size>0</Size>"
                       "</Contents></ListBucketResult>";
    seen_t s2 = {0};
    assert_int_equal(s3_xml_list(S(last), on_obj, &s2, &trunc, &tok, &stopped), 0);
    assert_int_equal(s2.n, 1);
    assert_string_equal(s2.classes[0], "STANDARD"); /* absent class means STANDARD */
    assert_false(trunc);
    assert_null(tok);

    seen_t s3 = {.stop_after = 1};
    assert_int_equal(s3_xml_list(S(page1), on_obj, &s3, &trunc, &tok, &stopped), -1);
    assert_true(stopped);
    assert_int_equal(s3.n, 1);
    free(tok);
}

/* encoding-type=url: keys decoded only when the answer says so; a key that
 * does not decode fails the page. */
static void test_list_url_encoded(void **state)
{
    const char *enc =
        "<ListBucketResult><Name>b</Name><EncodingType>url</EncodingType>"
        "<IsTruncated>false</IsTruncated><Contents><Key>cp/tenant%3Da/x%01y+z%2B</Key>"
        "<Size>1</Size></Contents></ListBucketResult>";
    seen_t s = {0};
    int trunc = 0, stopped = 0;
    char *tok = NULL;
    assert_int_equal(s3_xml_list(S(enc), on_obj, &s, &trunc, &tok, &stopped), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.keys[0], "cp/tenant=a/x\001y z+");
    const char *plain = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                        "<Contents><Key>cp/a%41+</Key><Size>1</Size></Contents></ListBucketResult>";
    seen_t s2 = {0};
    assert_int_equal(s3_xml_list(S(plain), on_obj, &s2, &trunc, &tok, &stopped), 0);
    assert_string_equal(s2.keys[0], "cp/a%41+"); /* not encoded: taken as it is */
    const char *bad[] = {"cp/%zz", "cp/%00x", "cp/%4"};
    for (int i = 0; i < 3; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false"
                 "</IsTruncated><Contents><Key>%s</Key><Size>1</Size></Contents>"
                 "</ListBucketResult>",
                 bad[i]);
        seen_t s3 = {0};
        assert_int_equal(s3_xml_list(S(body), on_obj, &s3, &trunc, &tok, &stopped), -1);
        assert_int_equal(s3.n, 0);
    }
    char *d = s3_xml_url_decode("a%2fb%2Fc");
    assert_string_equal(d, "a/b/c");
    free(d);
    assert_null(s3_xml_url_decode("%"));
}

static void test_etags(void **state)
{
    char hex[33], mp[64];
    s3_md5_hex("a", 1, hex);
    assert_string_equal(hex, "0cc175b9c0f1b6a831c399e269772661");
    char p0[] = "0cc175b9c0f1b6a831c399e269772661", p1[] = "92eb5ffee6ae2fec3ad71c777531578f";
    char *parts[] = {p0, p1};
    assert_int_equal(s3_multipart_etag(parts, 2, mp, sizeof mp), 0);
    assert_string_equal(mp, "96e024ba2074fe77e8e965ba43a704be-2");
    char short_md5[] = "0cc1";
    char *badp[] = {short_md5, NULL};
    assert_int_equal(s3_multipart_etag(badp, 1, mp, sizeof mp), -1);

    store_s3_t s;
    char url[] = "s3://b/cp", kms[] = "aws:kms";
    memset(&s, 0, sizeof s);
    s.base.url = url;
    assert_int_equal(store_s3_etag_check(&s, "k", "\"0cc175b9c0f1b6a831c399e269772661\"", "a", 1),
                     0);
    assert_int_equal(store_s3_etag_check(&s, "k", "0CC175B9C0F1B6A831C399E269772661", "a", 1), 0);
    assert_int_equal(store_s3_etag_check(&s, "k", "\"00000000000000000000000000000000\"", "a", 1),
                     -1);
    assert_int_equal(store_s3_etag_check(&s, "k", "", "a", 1), -1);
    assert_int_equal(store_s3_etag_is(&s, "k", "\"96e024ba2074fe77e8e965ba43a704be-2\"", mp), 0);
    assert_true(store_s3_etag_matches(&s, "\"96e024ba2074fe77e8e965ba43a704be-2\"", mp));
    assert_false(store_s3_etag_matches(&s, "\"96e024ba2074fe77e8e965ba43a704be-3\"", mp));
    s.sse = kms; /* SSE-KMS ETags are not MD5s */
    assert_int_equal(store_s3_etag_check(&s, "k", "\"whatever\"", "a", 1), 0);
}

static void test_create_only_and_retention(void **state)
{
    assert_true(store_s3_create_only("tenant=a/date=2026-11-23/source=s/vol-0001.tar.gz"));
    assert_true(store_s3_create_only("runs/2026-11-23/r1.json"));
    assert_false(store_s3_create_only("coldpack-probe"));
    assert_false(store_s3_create_only(".coldpack/uploads/x"));

    store_s3_t s;
    memset(&s, 0, sizeof s);
    s.retention_days = 365;
    const char *vol = "tenant=a/date=2025-01-01/source=s/vol-0001.tar.gz";
    int64_t june = 1748736000; /* 2025-06-01 */
    /* from the end of the log day, not from the upload */
    assert_true(store_s3_retain_until(&s, vol, june) == 1767312000); /* 2026-01-02 */
    assert_true(store_s3_retain_until(&s, "runs/2025-01-01/r1.json", june) == 1767312000);
    /* no date in the key: from now */
    assert_true(store_s3_retain_until(&s, "coldpack-probe", june) == june + 365 * 86400);
    /* a backfill older than the retention: never a date in the past */
    int64_t later = 1767312000 + 10 * 86400;
    assert_true(store_s3_retain_until(&s, vol, later) == later + 86400);
}

typedef struct useen {
    int n;
    char key[64], id[64], init[64];
} useen_t;

static int on_upl(void *ctx, const s3_xml_upload_t *u)
{
    useen_t *s = ctx;
    s->n++;
    snprintf(s->key, sizeof s->key, "%s", u->key);
    snprintf(s->id, sizeof s->id, "%s", u->upload_id);
    snprintf(s->init, sizeof s->init, "%s", u->initiated);
    return 0;
}

static void test_list_uploads(void **state)
{
    const char *b =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
        "  <Bucket>bucket</Bucket>\n  <KeyMarker></KeyMarker>\n  <UploadIdMarker>"
        "</UploadIdMarker>\n  <NextKeyMarker>cp/k2</NextKeyMarker>\n"
        "  <NextUploadIdMarker>2~abc</NextUploadIdMarker>\n  <MaxUploads>2</MaxUploads>\n"
        "  <IsTruncated>true</IsTruncated>\n  <Upload>\n    <Key>cp/k1</Key>\n"
        "    <UploadId>2~XyZ</UploadId>\n    <Initiator><ID>x</ID></Initiator>\n"
        "    <StorageClass>DEEP_ARCHIVE</StorageClass>\n"
        "    <Initiated>2026-11-24T01:00:00.000Z</Initiated>\n  </Upload>\n"
        "</ListMultipartUploadsResult>";
    useen_t s = {0};
    int trunc;
    char *nk, *nu;
    assert_int_equal(s3_xml_list_uploads(S(b), on_upl, &s, &trunc, &nk, &nu, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.key, "cp/k1");
    assert_string_equal(s.id, "2~XyZ");
    assert_true(s3_parse_iso8601(s.init) == 1795482000LL);
    assert_true(trunc);
    assert_string_equal(nk, "cp/k2");
    assert_string_equal(nu, "2~abc");
    free(nk);
    free(nu);
}

static int on_part(void *ctx, int part, const char *etag, int64_t size)
{
    int *n = ctx;
    (*n)++;
    assert_int_equal(part, *n);
    assert_true(size == 8388608);
    assert_true(etag[0] == '"');
    return 0;
}

static void test_list_parts_and_tags(void **state)
{
    const char *b = "<ListPartsResult><IsTruncated>false</IsTruncated>"
                    "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>8388608</Size></Part>"
                    "<Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>8388608</Size></Part>"
                    "</ListPartsResult>";
    int n = 0, trunc, next;
    assert_int_equal(s3_xml_list_parts(S(b), on_part, &n, &trunc, &next), 0);
    assert_int_equal(n, 2);

    const char *t =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>other</Key>"
        "<Value>1</Value></Tag><Tag><Key>sha256</Key><Value>"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</Value></Tag>"
        "</TagSet></Tagging>";
    char v[65];
    assert_int_equal(s3_xml_tag(S(t), "sha256", v, sizeof v), 0);
    assert_string_equal(v, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(s3_xml_tag(S("<Tagging><TagSet/></Tagging>"), "sha256", v, sizeof v), 0);
    assert_string_equal(v, "");
}

static void test_restore_header(void **state)
{
    int ongoing = -1;
    int64_t exp = -1;
    /* HeadObject while the restore runs */
    assert_int_equal(s3_parse_restore_header("ongoing-request=\"true\"", &ongoing, &exp), 0);
    assert_int_equal(ongoing, 1);
    assert_true(exp == 0);
    /* HeadObject once the restored copy is readable (API reference example) */
    assert_int_equal(s3_parse_restore_header(
                         "ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\"",
                         &ongoing, &exp),
                     0);
    assert_int_equal(ongoing, 0);
    assert_true(exp == 1356048000LL);
    assert_int_equal(s3_parse_restore_header("garbage", &ongoing, &exp), -1);
    assert_int_equal(s3_parse_restore_header(NULL, &ongoing, &exp), -1);
}

static void test_classification(void **state)
{
    assert_true(s3_is_retryable(500, ""));
    assert_true(s3_is_retryable(502, ""));
    assert_true(s3_is_retryable(503, "SlowDown"));
    assert_true(s3_is_retryable(504, ""));
    assert_true(s3_is_retryable(400, "RequestTimeout"));
    assert_false(s3_is_retryable(400, "InvalidArgument"));
    assert_false(s3_is_retryable(403, "SignatureDoesNotMatch"));
    assert_false(s3_is_retryable(403, "RequestTimeTooSkewed"));
    assert_false(s3_is_retryable(404, "NoSuchKey"));
    assert_false(s3_is_retryable(412, "PreconditionFailed"));
    assert_false(s3_is_retryable(501, "NotImplemented"));

    char b[256];
    s3_explain(403, "RequestTimeTooSkewed", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "clock skew"));
    s3_explain(403, "SignatureDoesNotMatch", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "credentials"));
    s3_explain(403, "InvalidAccessKeyId", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "credentials"));
    s3_explain(400, "AuthorizationHeaderMalformed", "eu-west-1", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "wrong region"));
    assert_non_null(strstr(b, "eu-west-1"));
    s3_explain(301, "PermanentRedirect", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "wrong region"));
    s3_explain(404, "NoSuchBucket", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "bucket does not exist"));
    s3_explain(501, "NotImplemented", "", "us-east-1", b, sizeof b);
    assert_non_null(strstr(b, "does not implement"));
}

static void test_md5(void **state)
{
    char m[32];
    s3_content_md5("", 0, m);
    assert_string_equal(m, "1B2M2Y8AsgTpgAmY7PhCfg==");
    s3_content_md5("Welcome to Amazon S3.", 21, m);
    assert_int_equal(strlen(m), 24);
}

static void test_part_size(void **state)
{
    const int64_t MiB = 1 << 20, GiB = (int64_t)1 << 30, TiB = (int64_t)1 << 40;
    assert_true(store_s3_upload_part_size(0, -1) == 16 * MiB);       /* unknown size */
    assert_true(store_s3_upload_part_size(0, 1000) == 8 * MiB);      /* small: the minimum */
    assert_true(store_s3_upload_part_size(0, 256 * MiB) == 8 * MiB); /* 32 parts: the minimum */
    assert_true(store_s3_upload_part_size(0, 4 * GiB) == 64 * MiB); /* a default volume: 64 parts */
    assert_true(store_s3_upload_part_size(0, 4 * GiB + 1) == 65 * MiB); /* rounded up to a MiB */
    int64_t sizes[] = {80 * GiB, 700 * GiB, TiB, 5 * TiB};
    for (int i = 0; i < 4; i++) {
        int64_t ps = store_s3_upload_part_size(0, sizes[i]);
        assert_true(ps % MiB == 0);
        assert_true((sizes[i] + ps - 1) / ps < 10000);
        assert_true(ps == 5 * GiB || (sizes[i] + ps - 1) / ps <= 64);
    }
    assert_true(store_s3_upload_part_size(64 * MiB, 4 * GiB) == 64 * MiB); /* configured wins */
    int64_t raised = store_s3_upload_part_size(8 * MiB, 200 * GiB); /* 25,600 parts: raised */
    assert_true((200 * GiB + raised - 1) / raised < 10000);
    assert_true(store_s3_upload_part_size(0, 100 * TiB) == 5 * GiB); /* clamped to S3's maximum */

    /* an object far bigger than its hint still fits in 10,000 parts */
    int64_t base = store_s3_upload_part_size(0, 4 * GiB), total = 0;
    for (int n = 1; n <= 10000; n++)
        total += store_s3_upload_part_len(base, 4 * GiB, n);
    assert_true(total > 5 * TiB); /* S3's largest object */
    assert_true(store_s3_upload_part_len(base, 4 * GiB, 64) == base);
    assert_true(store_s3_upload_part_len(base, 4 * GiB, 65) == 2 * base);
    assert_true(store_s3_upload_part_len(16 * MiB, -1, 2000) == 16 * MiB);
    assert_true(store_s3_upload_part_len(16 * MiB, -1, 2001) == 32 * MiB);
    assert_true(store_s3_upload_part_len(16 * MiB, -1, 9999) <= 5 * GiB);
}

/* ------------------------------------------------------------ paginator -- */

typedef struct fake_svc {
    const char *pages[4]; /* answered in turn; the last one again after the end */
    int npages, fetches;
    char queries[8][256];
    int fail_rc; /* non-zero: every fetch fails with this */
} fake_svc_t;

static int fake_fetch(void *ctx, const char *query, s3_response_t *resp)
{
    fake_svc_t *f = ctx;
    memset(resp, 0, sizeof *resp);
    if (f->fetches < 8)
        snprintf(f->queries[f->fetches], sizeof f->queries[0], "%s", query);
    const char *b = f->pages[f->fetches < f->npages ? f->fetches : f->npages - 1];
    f->fetches++;
    if (f->fetches > 50)
        fail_msg("the paginator loops");
    if (f->fail_rc)
        return f->fail_rc;
    resp->status = 200;
    resp->body = strdup(b);
    resp->body_len = strlen(b);
    return S3_OK;
}

static int page_parse(void *ctx, const char *body, size_t len, int *truncated, char *next[2])
{
    int stopped = 0;
    int r = s3_xml_list(body, len, on_obj, ctx, truncated, &next[0], &stopped);
    return stopped ? 1 : r;
}

#define PAGE(trunc, tok, key)                                                                      \
    "<ListBucketResult><IsTruncated>" trunc "</IsTruncated><Contents><Key>" key                    \
    "</Key><Size>1</Size></Contents>" tok "</ListBucketResult>"

static int walk(fake_svc_t *f, seen_t *seen)
{
    s3_page_opts_t pg = {"s3://b/cp",
                         "listing cp/",
                         "list-type=2&prefix=cp%2F",
                         {"continuation-token", NULL},
                         fake_fetch,
                         f,
                         page_parse,
                         seen};
    return s3_page_walk(&pg);
}

static void test_paginator(void **state)
{
    /* two pages: the token is sent back, encoded */
    fake_svc_t f = {{PAGE("true", "<NextContinuationToken>t/1=</NextContinuationToken>", "cp/a"),
                     PAGE("false", "", "cp/b")},
                    .npages = 2};
    seen_t s = {0};
    assert_int_equal(walk(&f, &s), S3_OK);
    assert_int_equal(f.fetches, 2);
    assert_int_equal(s.n, 2);
    assert_string_equal(f.queries[0], "list-type=2&prefix=cp%2F");
    assert_string_equal(f.queries[1], "list-type=2&prefix=cp%2F&continuation-token=t%2F1%3D");

    /* the consumer stops: no further page */
    fake_svc_t g = {{PAGE("true", "<NextContinuationToken>x</NextContinuationToken>", "cp/a"),
                     PAGE("false", "", "cp/b")},
                    .npages = 2};
    seen_t s2 = {.stop_after = 1};
    assert_int_equal(walk(&g, &s2), S3_OK);
    assert_int_equal(g.fetches, 1);

    /* a service that repeats its token would loop forever: an error */
    fake_svc_t r = {{PAGE("true", "<NextContinuationToken>A</NextContinuationToken>", "cp/a"),
                     PAGE("true", "<NextContinuationToken>B</NextContinuationToken>", "cp/b"),
                     PAGE("true", "<NextContinuationToken>B</NextContinuationToken>", "cp/c")},
                    .npages = 3};
    seen_t s3 = {0};
    assert_int_equal(walk(&r, &s3), S3_ERR);
    assert_int_equal(r.fetches, 3);

    /* truncated without a token, and an unreadable page: errors */
    fake_svc_t t = {{PAGE("true", "", "cp/a")}, .npages = 1};
    seen_t s4 = {0};
    assert_int_equal(walk(&t, &s4), S3_ERR);
    assert_int_equal(t.fetches, 1);
    fake_svc_t u = {{"<ListBucketResult><IsTruncated>"}, .npages = 1};
    seen_t s5 = {0};
    assert_int_equal(walk(&u, &s5), S3_ERR);

    /* a failed fetch's result is passed on (the fetch logged it) */
    fake_svc_t e = {{""}, .npages = 1, .fail_rc = S3_NOTFOUND};
    seen_t s6 = {0};
    assert_int_equal(walk(&e, &s6), S3_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_initiate),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_list_v2),
        cmocka_unit_test(test_list_url_encoded),
        cmocka_unit_test(test_etags),
        cmocka_unit_test(test_create_only_and_retention),
        cmocka_unit_test(test_list_uploads),
        cmocka_unit_test(test_list_parts_and_tags),
        cmocka_unit_test(test_restore_header),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_part_size),
        cmocka_unit_test(test_paginator),
    };
    return cmocka_run_group_tests_name("s3_xml", tests, NULL, NULL);
}
