"""Document numbers, and the operators fraudsters use to disguise a re-used document.

Invoice and receipt numbers are an affine bijection of a running index, so genuine numbers look
random and never repeat, and an altered number can be tested for a clash with a genuine one by
inverting the map (genuine indices are below GENUINE).
"""

from __future__ import annotations

import numpy as np

GENUINE = 10**7
_MULT = 7919
_OFF8, _OFF16, _OFF9 = 31_415_926, 2_718_281_828_459_045, 141_421_356


def _pad(seq: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings (numpy's zfill fails on empty input)."""
    s = np.asarray(seq, dtype=np.int64).astype(f"U{max(width, 20)}")
    return np.char.zfill(s, width) if len(s) else s


def fmt(prefix: str, seq: np.ndarray, width: int) -> np.ndarray:
    """prefix + zero-padded numbers, as an object array of str."""
    return np.char.add(prefix, _pad(seq, width)).astype(object)


class Numbers:
    """Running document numbers; one instance per generated city keeps them unique."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.codes = ["".join(map(str, rng.integers(0, 10, size=12))) for _ in range(24)] + [
            "".join(map(str, rng.integers(0, 10, size=10))) for _ in range(12)]
        self.seq = {"contract": 0, "waybill": 0, "receipt": 0, "invoice": 0, "app": 0, "loan": 0}
        self.altered: set[str] = set()

    def take(self, kind: str, n: int) -> np.ndarray:
        start = self.seq[kind]
        self.seq[kind] = start + n
        if start + n > GENUINE:
            raise ValueError("too many documents for the numbering scheme")
        return np.arange(start, start + n, dtype=np.int64)

    # ids are scrambled running numbers, so an id's size says nothing about when or why the
    # generator made it (frauds are made first)
    def contracts(self, n: int) -> np.ndarray:
        return fmt("HT", (self.take("contract", n) * 104_729 + 5_550_123) % 10**9, 9)

    def waybills(self, n: int) -> np.ndarray:
        return fmt("YD", (self.take("waybill", n) * 1_299_709 + 86_421_357) % 10**11, 11)

    def apps(self, n: int) -> np.ndarray:
        return fmt("SA", (self.take("app", n) * 15_485_863 + 12_345_677) % 10**9, 9)

    def loans(self, n: int) -> np.ndarray:
        return fmt("SL", (self.take("loan", n) * 32_452_843 + 98_765_431) % 10**9, 9)

    def receipts(self, n: int) -> np.ndarray:
        i = self.take("receipt", n)
        return fmt("WR", (i * _MULT + _OFF9) % 10**9, 9)

    def invoices(self, n: int, digital: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(code, number): fully digital ones have an empty code and a 20-digit number."""
        i = self.take("invoice", n)
        paper_no = _pad((i * _MULT + _OFF8) % 10**8, 8)
        e_no = np.char.add("2431", _pad((i * _MULT + _OFF16) % 10**16, 16))
        code = np.array(self.codes, dtype=object)[i % len(self.codes)]
        code = np.where(digital, "", code).astype(object)
        number = np.where(digital, e_no, paper_no).astype(object)
        return code, number

    def one(self, kind: str) -> str:
        return str(getattr(self, kind)(1)[0])

    def _genuine(self, number: str) -> bool:
        if len(number) == 8:
            i = (int(number) - _OFF8) * pow(_MULT, -1, 10**8) % 10**8
        elif len(number) == 9:
            i = (int(number) - _OFF9) * pow(_MULT, -1, 10**9) % 10**9
        else:
            i = (int(number[4:]) - _OFF16) * pow(_MULT, -1, 10**16) % 10**16
        return i < GENUINE

    def alter(self, rng: np.random.Generator, number: str) -> str:
        """One digit changed or two adjacent digits swapped; never a genuine or earlier one."""
        start = 4 if len(number) == 20 else 0
        while True:
            d = list(number)
            k = int(rng.integers(start, len(d) - 1))
            if rng.random() < 0.5 and d[k] != d[k + 1]:
                d[k], d[k + 1] = d[k + 1], d[k]
            else:
                d[k] = str((int(d[k]) + int(rng.integers(1, 10))) % 10)
            out = "".join(d)
            if out != number and out not in self.altered and not self._genuine(out):
                self.altered.add(out)
                return out

    def alter_code(self, rng: np.random.Generator, code: str) -> str:
        """Another invoice code of the same length (a digit changed)."""
        d = list(code)
        k = int(rng.integers(0, len(d)))
        d[k] = str((int(d[k]) + int(rng.integers(1, 10))) % 10)
        return "".join(d)


_TYPO = dict(zip("华新恒瑞博远达信泰科中东盛鑫安宏嘉联创丰裕永"
                 "汇源德康明景润金宝海天福兴和聚优锦睿晟昊",
                 "化欣衡锐搏源大兴太料忠冬胜金按红佳连仓风玉勇"
                 "会元得糠名京闰今保每添富星合巨忧金锐盛浩",
                 strict=True))


def name_variant(rng: np.random.Generator, name: str, kind: int | None = None) -> str:
    """The same company written differently: suffix form, city prefix, or one typo."""
    k = int(rng.integers(0, 4)) if kind is None else kind
    if k == 0 and name.endswith("有限公司"):
        return name[:-4] + "有限责任公司"
    if k == 1 and name.endswith("有限公司"):
        return name[:-4]
    if k == 2:
        return name[2:] if name.startswith("上海") else "上海" + name
    core = [i for i, ch in enumerate(name) if ch in _TYPO and i >= 2]
    if not core:
        return name + "（上海）"
    i = core[int(rng.integers(0, len(core)))]
    out = name[:i] + _TYPO[name[i]] + name[i + 1:]
    return out if out != name else name[:i] + "鑫" + name[i + 1:]
