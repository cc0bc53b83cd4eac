#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into corpus/<target>/ from what the project ships.

Run from fuzz/ after `readpoint feed build` made seeds/feed (see README.md). Seeds are named
seed-*, so `cargo fuzz cmin` may later replace them by the minimised corpus; re-running this
script only adds them back.
"""
import gzip
import json
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / f"seed-{name}").write_bytes(data)


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- config: the shipped file, every documented key set, a portal-connected kiosk. ---
shipped = (ROOT / "kiosk-config/readpoint.toml").read_text()
write("config", "shipped.toml", shipped)
uncommented = re.sub(r"(?m)^# ?([a-z_]+ *= *.*)$", r"\1", shipped)
write("config", "all-keys.toml", uncommented)
write("config", "empty.toml", "")
TEST_KEY = (HERE / "seeds/fuzz-test-key.pub").read_text().splitlines()[-1]
write(
    "config",
    "portal.toml",
    f"""[kiosk]
terminal_id = "ls-zwzx-hall-02"
location = "乐山市政务服务中心二楼"
agency_name = "乐山市人民政府政务服务中心"
portal_url = "https://www.leshan.gov.cn/"
staff_desk = "一楼服务台"
language = "zh-Hant"

[display]
idle_timeout = "2m"
schedule = {{ mon = "08:30-12:00,14:00-17:30", sat = "09:00-12:00", sun = "" }}
time_zone = "Asia/Shanghai"

[sync]
feed_url = "https://feed.example.gov.cn/readpoint/"
feed_id = "leshan-zwzx"
trusted_keys = ["{TEST_KEY}"]
interval = "1h"
max_shard_size = "16MiB"
redirect_hosts = ["cdn.example.gov.cn"]

[admin]
pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk"
lockout_attempts = 3
lockout = "10m"

[stats]
report_url = "https://stats.example.gov.cn/readpoint"
retention_days = 30

[log]
level = "debug"
max_size = "1MiB"
max_files = 2
""",
)
write("config", "dotted.toml", 'admin.pin_hash = "x"\nkiosk.terminal_id = "t1"\n')

# --- content_import: each bundled document alone in a content file (small, fast inputs). ---
sample = json.loads((ROOT / "content/sample-content.json").read_text())
for doc in sample["documents"]:
    write("content_import", f"{doc['id']}.json", compact({"format": sample["format"], "documents": [doc]}))
write(
    "content_import",
    "dataset.json",
    compact({"format": sample["format"], "dataset": sample.get("dataset"), "documents": []}),
)

# --- search: what visitors type. ---
QUERIES = [
    "政府信息公开", "公开指南", "依申请公开", "年度报告", "2012年", "2012", "办事指南", "社保", "医保",
    "醫保", "政務公開", "政府資訊公開", "并联审批", "行政审批", "乐山", "政务服务中心", "申请表",
    "信息公开申请表", "zfxxgk", "zhengfu", "gongkai", "xinxi gongkai", "zhengwu fuwu", "公开 目录",
    "收费", "人防收费", "行政复议", "办公时间", "联系方式", "查阅点", "查阅室", "领导分工", "主要职责",
    "内设机构", "三年规划", "门户网站", "一站式", "公共资源交易", "招投标", "便民服务中心", "乡镇",
    "000000019/2012-00001", "000000019", "乐府发〔2012〕1号", "a", "政", "公开 指南 2013",
    "“十四五”规划", "《政府信息公开条例》", "公开　指南", "NEAR(社 保)", '"公开"', "公开*", "-公开",
    "公开 OR 指南", "title:公开", "ｚｆｘｘｇｋ", "ＡＢＣ１２３", "政务服务 ywfw", "sbk 社保卡", "😀公开",
    "a b c d e f g h i",
]
for i, q in enumerate(QUERIES):
    write("search", f"{i:02d}", q)

# --- shard: the seed feed's real objects, and the plain JSON of small shards. ---
feed = HERE / "seeds/feed"
if not (feed / "manifest.json").exists():
    raise SystemExit("seeds/feed is missing: build it first (README.md, Seeds)")
for obj in sorted((feed / "objects").rglob("*")):
    if obj.is_file():
        raw = obj.read_bytes()
        write("shard", f"object-{obj.name[:16]}", raw)
        if raw[:2] == b"\x1f\x8b":
            plain = gzip.decompress(raw)
            if len(plain) <= 16384:
                write("shard", f"plain-{obj.name[:16]}.json", plain)
for doc in sample["documents"][:40]:
    write("shard", f"plain-{doc['id']}.json", compact({"format": sample["format"], "documents": [doc]}))

# --- manifest and signature: the feed `readpoint feed build` made and its signature. ---
manifest = (feed / "manifest.json").read_bytes()
signature = (feed / "manifest.json.minisig").read_bytes()
write("manifest", "feed.json", manifest)
m = json.loads(manifest)
m2 = dict(m, expires_at="2027-01-05T00:00:00Z", publisher="乐山市人民政府政务服务中心",
          portal_url="https://www.leshan.gov.cn/")
write("manifest", "expires.json", json.dumps(m2, ensure_ascii=False, indent=2))
write("manifest", "compact.json", compact(m))
write("signature", "minisig", signature)
write("signature", "minisig-and-manifest", signature + b"\0" + manifest)

