"""A synthetic corpus for benchmarks: the shipped examples varied in names, amounts and years.

Deterministic (seeded): the same arguments give the same files.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOWNS = "东西南北中上下前后新老大小金银青白红石河山沟桥岭湾坪庄堡寨"
KINDS = ["镇人民政府", "乡人民政府", "街道办事处", "县财政局", "县教育局", "县农业农村局", "县卫生健康局", "县民政局"]
AMOUNT = re.compile(r"(?<![\d〔\[【（(])(\d{1,3}(?:,\d{3})+|\d+\.\d{2})(?![\d〕\]】）)号])")


def make_corpus(out: Path, count: int = 1000, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seeds = sorted((ROOT / "examples").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    names = ["泽州县柳树口镇人民政府", "中国共产党泽州县委员会组织部", "泽州县人民政府办公室", "卢龙县刘家营乡人民政府",
             "峰峰西固义乡人民政府"]
    own = [next(n for n in names if n in t) for t in texts]
    written = []
    for i in range(count):
        k = i % len(texts)
        text = texts[k]
        new_name = f"{own[k][:3]}{rng.choice(TOWNS)}{rng.choice(TOWNS)}{i:04d}{rng.choice(KINDS)}"
        text = text.replace(own[k], new_name)
        year = rng.choice([2023, 2024, 2025, 2026])
        text = text.replace("2026年度", f"{year}年度").replace("预算年度：2024", f"预算年度：{year}")
        factor = rng.choice([0.5, 0.8, 1.0, 1.25, 2.0])

        def scale(m: re.Match) -> str:
            raw = m.group(1)
            value = float(raw.replace(",", "")) * factor
            return f"{value:,.0f}" if "," in raw else f"{value:.2f}"

        text = AMOUNT.sub(scale, text)
        text = text.replace("遗属补助", rng.choice(["遗属补助", "遗属生活补助", "遗属困难补助"]))
        path = out / f"doc{i:04d}-{seeds[k].stem}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    import sys

    files = make_corpus(ROOT / "benchmarks" / "out" / "corpus", int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
