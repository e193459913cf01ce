"""CRM-W1 driver adapter for Banyan's JSON API (/api/v1). See /work/shared/bench/driver.py.

    PYTHONPATH=bench python /work/shared/bench/driver.py --adapter banyan \
        --adapter-args '{"base_url": "http://127.0.0.1:8080", "username": "bench", "password": "password123456"}' \
        --phase load --csv customers.csv --state state.json

One aiohttp session (one keep-alive connection pool) for all clients. Handles are Banyan customer ids.
Every call raises on a transport error, a non-2xx answer or a rejected batch item.
W4 is GET /customers/{id} (contact id and version) + PATCH /customers/{id}/contacts/{cid} with
If-Match: two requests per update, retried once with a fresh GET when the PATCH answers 409.
"""
import aiohttp


class BanyanError(Exception):
    pass


def customer_input(row):
    return {
        "kind": "individual",
        "branch_code": row["branch_code"],
        "individual": {
            "name_zh": row["full_name"],
            "gender": "male" if row["gender"] == "M" else "female",
            "birth_date": row["birth_date"],
            "id_type": "resident_id",
            "id_number": row["id_number"],
        },
        "contacts": [
            {"kind": "mobile", "value": row["mobile"]},
            {"kind": "email", "value": row["email"]},
            {"kind": "address", "value": row["address"]},
        ],
    }


class Adapter:
    batch_size = 100

    def __init__(self, base_url="http://127.0.0.1:8080", username="bench",
                 password="password123456", pool=16):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.username, self.password, self.pool = username, password, pool
        self.session = None
        self.headers = {}

    async def open(self):
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.pool, keepalive_timeout=90),
            timeout=aiohttp.ClientTimeout(total=120))
        body = await self._json("POST", "/auth/login",
                                json={"username": self.username, "password": self.password})
        self.headers = {"Authorization": "Bearer " + body["token"]}

    async def close(self):
        if self.session is not None:
            await self.session.close()

    async def _json(self, method, path, **kw):
        async with self.session.request(method, self.base + path, **kw) as r:
            if r.status // 100 != 2:
                raise BanyanError(f"{method} {path}: HTTP {r.status}: {(await r.text())[:300]}")
            return await r.json()

    async def create_batch(self, rows):
        body = await self._json("POST", "/customers/batch", headers=self.headers,
                                json={"customers": [customer_input(r) for r in rows]})
        items = sorted(body["items"], key=lambda i: i["index"])
        if body.get("rejected") or len(items) != len(rows) or any(i.get("error") for i in items):
            bad = [i for i in items if i.get("error")][:2]
            raise BanyanError(f"batch: {body.get('rejected')} rejected, e.g. {bad}")
        return [i["id"] for i in items]

    async def post_load(self, handles):
        return handles

    async def get(self, handle):
        return await self._json("GET", f"/customers/{handle}", headers=self.headers)

    async def search(self, term):
        body = await self._json("GET", "/customers", headers=self.headers,
                                params={"q": term, "limit": "20"})
        return body["items"]

    async def update_mobile(self, handle, row, mobile):
        for attempt in (0, 1):
            cur = await self.get(handle)
            cid = next(c["id"] for c in cur["contacts"] if c["kind"] == "mobile")
            h = dict(self.headers)
            h["If-Match"] = '"%d"' % cur["version"]
            async with self.session.patch(f"{self.base}/customers/{handle}/contacts/{cid}",
                                          headers=h, json={"value": mobile}) as r:
                if r.status == 409 and attempt == 0:
                    await r.read()
                    continue  # someone changed the customer since the GET: read it again
                if r.status // 100 != 2:
                    raise BanyanError(f"PATCH contact: HTTP {r.status}: {(await r.text())[:300]}")
                return await r.json()
        raise BanyanError("update: 409 twice")
