/**
 * The S3 XML etcdup reads and writes (lib/offsite/xml.ts), on documents shaped as AWS documents them,
 * without an S3 server: values stay strings (a key `0001` is not a number), one element still makes a list,
 * entities are decoded, anything else is "not that document", and the request bodies escape what they carry.
 */
import assert from "node:assert/strict";
import {
  completeBody,
  deleteBody,
  parseCompleteEtag,
  parseDeleteErrors,
  parseError,
  parseListPage,
  parseUploadId,
} from "../../lib/offsite/xml.ts";

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';

Deno.test("parseListPage: objects with size, time and etag; one object is a list; keys stay strings; the token only when truncated", () => {
  const one = parseListPage(
    `${XML}<ListBucketResult><Name>snaps</Name><IsTruncated>false</IsTruncated>` +
      `<Contents><Key>0001</Key><Size>42</Size><LastModified>2026-12-01T22:00:00.000Z</LastModified>` +
      `<ETag>&quot;abc&quot;</ETag></Contents><NextContinuationToken>ignored</NextContinuationToken></ListBucketResult>`,
  );
  assert.deepEqual(one, {
    objects: [{ key: "0001", size: 42, lastModified: "2026-12-01T22:00:00.000Z", etag: '"abc"' }],
    nextToken: undefined,
  });
  const page = parseListPage(
    `${XML}<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>tok/1+=</NextContinuationToken>` +
      `<Contents><Key>a &amp; b.db</Key><Size>1</Size></Contents><Contents><Key>c.db</Key><Size>2</Size></Contents>` +
      `</ListBucketResult>`,
  );
  assert.deepEqual(page?.objects.map((o) => [o.key, o.size]), [["a & b.db", 1], ["c.db", 2]]);
  assert.equal(page?.nextToken, "tok/1+=");
  assert.deepEqual(
    parseListPage(`${XML}<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>`),
    {
      objects: [],
      nextToken: undefined,
    },
  );
  assert.equal(parseListPage(`${XML}<Error><Code>AccessDenied</Code></Error>`), undefined);
  assert.equal(parseListPage("not xml <<<"), undefined);
});

Deno.test("parseError: an S3 <Error> body gives its code and message; other bodies none", () => {
  assert.deepEqual(
    parseError(
      `${XML}<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>`,
    ),
    { code: "NoSuchBucket", message: "The specified bucket does not exist" },
  );
  assert.deepEqual(parseError("<Error><Code>SlowDown</Code></Error>"), { code: "SlowDown", message: "" });
  assert.equal(parseError("<ListBucketResult/>"), undefined);
  assert.equal(parseError(""), undefined);
  assert.equal(parseError("<html>502 Bad Gateway</html>"), undefined);
});

Deno.test("multipart: the UploadId of the initiation, the ETag of completion, undefined when the body is an error", () => {
  assert.equal(
    parseUploadId(
      `${XML}<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2Fk</UploadId></InitiateMultipartUploadResult>`,
    ),
    "VXBsb2Fk",
  );
  assert.equal(parseUploadId(`${XML}<Error><Code>InternalError</Code></Error>`), undefined);
  assert.equal(
    parseCompleteEtag(
      `${XML}<CompleteMultipartUploadResult><ETag>&quot;3858f6-2&quot;</ETag></CompleteMultipartUploadResult>`,
    ),
    '"3858f6-2"',
  );
  // S3 can answer 200 to CompleteMultipartUpload with an <Error> body: that is not a completion.
  assert.equal(parseCompleteEtag(`${XML}<Error><Code>InternalError</Code></Error>`), undefined);
});

Deno.test("parseDeleteErrors: the failed keys with their codes, one error or many; none for a clean result", () => {
  assert.deepEqual(
    parseDeleteErrors(
      `${XML}<DeleteResult><Error><Key>a.db</Key><Code>AccessDenied</Code><Message>x</Message></Error></DeleteResult>`,
    ),
    [{ key: "a.db", code: "AccessDenied" }],
  );
  assert.deepEqual(
    parseDeleteErrors(
      `<DeleteResult><Deleted><Key>b.db</Key></Deleted><Error><Key>c.db</Key><Code>InternalError</Code></Error>` +
        `<Error><Key>d.db</Key><Code>SlowDown</Code></Error></DeleteResult>`,
    ),
    [{ key: "c.db", code: "InternalError" }, { key: "d.db", code: "SlowDown" }],
  );
  assert.deepEqual(parseDeleteErrors("<DeleteResult><Deleted><Key>b.db</Key></Deleted></DeleteResult>"), []);
  assert.deepEqual(parseDeleteErrors("garbage"), []);
});

Deno.test("request bodies: parts in order with their ETags, keys escaped, quiet delete", () => {
  assert.equal(
    completeBody([{ number: 1, etag: '"a"' }, { number: 2, etag: "<b&c>" }]),
    `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>` +
      `<Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part>` +
      `<Part><PartNumber>2</PartNumber><ETag>&lt;b&amp;c&gt;</ETag></Part></CompleteMultipartUpload>`,
  );
  assert.equal(
    deleteBody(["etcd/a & b.db", "<x>"]),
    `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>` +
      `<Object><Key>etcd/a &amp; b.db</Key></Object><Object><Key>&lt;x&gt;</Key></Object></Delete>`,
  );
});
