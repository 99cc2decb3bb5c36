"""Randomized differential test of the geo commands against redis-server (differential.py).

Points are random (clustered around a few centres, some anywhere, some near the poles and the
antimeridian); searches use random centres, radii and boxes from 1 m to 5000 km in every unit
with every option, so the cell choice, the exact distance filter, the sort and the formatting
(%.4f distances, 17-digit coordinates) are all compared byte for byte. Every point gets its own
coordinates, so distances never tie (Redis leaves the order of ties to its sort)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import differential  # noqa: E402

KEYS = ["g0", "g1"]
DSTS = ["d0", "d1", "g1"]
MEMBERS = [f"m{i}" for i in range(40)]
CENTRES = [(13.36, 38.11), (-73.98, 40.75), (179.5, -10.0), (0.0, 84.0), (151.2, -33.86)]
UNITS = ["m", "km", "mi", "ft", "KM"]


def point(rng):
    kind = rng.random()
    if kind < 0.7:
        lon, lat = rng.choice(CENTRES)
        spread = rng.choice([0.01, 0.1, 1.0, 5.0])
        lon = max(-180.0, min(180.0, lon + rng.uniform(-spread, spread)))
        lat = max(-85.05, min(85.05, lat + rng.uniform(-spread, spread)))
    else:
        lon, lat = rng.uniform(-180, 180), rng.uniform(-85.05, 85.05)
    return f"{lon:.6f}", f"{lat:.6f}"


def distance(rng):
    unit = rng.choice(UNITS)
    metres = 10 ** rng.uniform(0, 6.7)
    per = {"m": 1, "km": 1000, "KM": 1000, "mi": 1609.34, "ft": 0.3048}[unit]
    return f"{metres / per:.3f}", unit


def options(rng, store_ok):
    opts = []
    for o in ("WITHDIST", "WITHCOORD", "WITHHASH"):
        if not store_ok and rng.random() < 0.4:
            opts.append(o)
    if rng.random() < 0.6:
        opts.append(rng.choice(["ASC", "DESC"]))
    if rng.random() < 0.4:
        opts += ["COUNT", str(rng.randint(1, 6))]
        if rng.random() < 0.2:
            opts.append("ANY")
    return opts


def search_spec(rng, k):
    spec = []
    if rng.random() < 0.3:
        spec += ["FROMMEMBER", rng.choice(MEMBERS)]
    else:
        spec += ["FROMLONLAT", *point(rng)]
    if rng.random() < 0.5:
        spec += ["BYRADIUS", *distance(rng)]
    else:
        w, unit = distance(rng)
        h, _ = distance(rng)
        spec += ["BYBOX", w, h, unit]
    return spec


def gen(rng):
    k, dst = rng.choice(KEYS), rng.choice(DSTS)
    r = rng.random()
    if r < 0.35:
        args = ["GEOADD", k]
        if rng.random() < 0.2:
            args.append(rng.choice(["NX", "XX", "CH"]))
        for _ in range(rng.randint(1, 5)):
            args += [*point(rng), rng.choice(MEMBERS)]
        return args
    if r < 0.55:
        return ["GEOSEARCH", k, *search_spec(rng, k), *options(rng, False)]
    if r < 0.62:
        args = ["GEOSEARCHSTORE", dst, k, *search_spec(rng, k), *options(rng, True)]
        if rng.random() < 0.5:
            args.append("STOREDIST")
        return args
    if r < 0.72:
        name = rng.choice(["GEORADIUS", "GEORADIUS_RO"])
        args = [name, k, *point(rng), *distance(rng)]
    elif r < 0.8:
        name = rng.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
        args = [name, k, rng.choice(MEMBERS), *distance(rng)]
    else:
        return rng.choice([
            ["GEODIST", k, rng.choice(MEMBERS), rng.choice(MEMBERS), rng.choice(UNITS)],
            ["GEOPOS", k, *rng.sample(MEMBERS, 3)],
            ["GEOHASH", k, *rng.sample(MEMBERS, 3)],
            ["ZREM", k, *rng.sample(MEMBERS, 2)],
            ["ZCARD", k],
        ])
    store = not name.endswith("_RO") and rng.random() < 0.3
    args += options(rng, store)
    if store:
        args += [rng.choice(["STORE", "STOREDIST"]), dst]
    return args


class GeoDifferential(unittest.TestCase):
    def test_random_commands(self):
        differential.check(self, gen, seeds=differential.seeds(6), steps=400)


if __name__ == "__main__":
    unittest.main(verbosity=2)
