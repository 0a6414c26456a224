"""Decoding story bytes: Unicode as it is, any other encoding detected, binary refused."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.decoding import decode, decode_any
from bot.text.encodings import encoding_name
from bot.text.story import StoryError

# Original text in each language, long enough for a paragraph or two.
JAPANESE = (
    "港の灯りが一つずつ消えていくのを、ミナは窓辺で数えていた。祖母の古い時計が十時を打つと、"
    "風が急に強くなり、船の帆がばたばたと鳴った。「明日は晴れるかしら」と彼女は小さな声で"
    "つぶやいた。"
)
CHINESE_SIMPLIFIED = (
    "雨停了以后，小镇的石板路上还留着一层薄薄的水光。林老师推开书店的门，把昨天没卖完的旧书"
    "一本一本搬到门口的木架上。隔壁卖包子的阿姨笑着问她：“今天怎么这么早？”"
)
CHINESE_TRADITIONAL = (
    "雨停了以後，小鎮的石板路上還留著一層薄薄的水光。林老師推開書店的門，把昨天沒賣完的舊書"
    "一本一本搬到門口的木架上。隔壁賣包子的阿姨笑著問她：「今天怎麼這麼早？」"
)
KOREAN = (
    "비가 그친 뒤 골목길에는 아직 물기가 남아 있었다. 수진은 오래된 자전거를 끌고 빵집 앞을 "
    "지나갔다. 주인 아저씨가 손을 흔들며 \"오늘은 일찍 나왔구나\" 하고 말했다."
)
RUSSIAN = (
    "Когда поезд наконец остановился у маленькой станции, Вера долго не решалась выйти. "
    "За окном шёл мелкий снег, и фонари светили так тускло, будто им самим было холодно. "
    "«Ну что ж, — сказала она себе, — назад дороги нет»."
)
# KOI8-R has neither guillemets nor the em dash.
RUSSIAN_KOI8 = RUSSIAN.replace("«", '"').replace("»", '"').replace("—", "-")
FRENCH = (
    "Le matin où la boulangère ferma boutique, tout le village s’étonna. « Une journée de "
    "congé ? » répéta le facteur, incrédule. Élodie haussa les épaules : elle avait décidé "
    "d’aller voir la mer, voilà tout, et ce n’était l’affaire de personne."
)
SPANISH = (
    "—¿Otra vez lloviendo? —preguntó Inés, asomándose a la ventana de la cocina. Su hermano "
    "no contestó; estaba demasiado ocupado intentando arreglar el paraguas que el viento había "
    "destrozado camino del mercado. «Mañana compraré uno nuevo», pensó él."
)


@pytest.mark.parametrize(
    ("sample", "encoding", "name"),
    [
        (JAPANESE, "shift_jis", "Shift_JIS"),
        (JAPANESE, "cp932", "Shift_JIS"),
        (JAPANESE, "euc_jp", "EUC-JP"),
        (CHINESE_SIMPLIFIED, "gb18030", "GB18030"),
        (CHINESE_SIMPLIFIED, "gbk", "GB18030"),
        (CHINESE_SIMPLIFIED, "gb2312", "GB18030"),
        (CHINESE_TRADITIONAL, "big5", "Big5"),
        (KOREAN, "euc_kr", "EUC-KR"),
        (RUSSIAN, "cp1251", "Windows-1251"),
        (RUSSIAN_KOI8, "koi8_r", "KOI8-R"),
        (FRENCH, "cp1252", "Windows-1252"),
        (SPANISH, "cp1252", "Windows-1252"),
        (FRENCH.replace("’", "'"), "latin-1", "Windows-1252"),
        (SPANISH.replace("—", "-"), "latin-1", "Windows-1252"),
    ],
)
def test_each_encoding_is_detected(sample, encoding, name):
    source = f"{sample}\n\n{sample}\n"
    decoded = decode_any(source.encode(encoding))
    assert decoded.text == source
    assert decoded.name == name
    assert decoded.describe() == f"read as {name} (not UTF-8)"


@pytest.mark.parametrize(
    "sample",
    [
        "Café au lait, naïve façade.",
        "He said “hello” — and left.",
        "It’s fine.",
        "“Yes.”",
        "Señor Muñoz",
        "Zoë",
        "Ærøskøbing",
        "Ça va? Où êtes-vous?",
        "£5 and 10€, 20° outside.",
        "© 2020 Ñandú",
        "Grüße aus München, schöne Straße.",
        "¿Qué? ¡No!",
        "The café was closed, so she walked on past the bakery and the church.",
    ],
)
def test_short_western_files_are_windows_1252(sample):
    for encoding in ("cp1252", "latin-1"):
        try:
            data = sample.encode(encoding)
        except UnicodeEncodeError:
            continue
        decoded = decode_any(data)
        assert (decoded.text, decoded.encoding) == (sample, "cp1252"), encoding


@pytest.mark.parametrize("size", [1, 3, 20])
def test_english_with_names_from_several_languages_is_windows_1252(size):
    # Names and loanwords from anywhere fit no one alphabet, but are few among plain letters.
    paragraph = (
        "They met in the square at noon, as they always did on market days. Zoë had come "
        "down from the hill with a basket of pears, and Ørsted had walked in from Málaga "
        "road with his hat in his hand. Later they ate crème brûlée at the naïve little "
        "café by the fountain and argued about the weather until the bells rang.\n\n"
    )
    text = paragraph * size
    decoded = decode_any(text.encode("cp1252"))
    assert (decoded.text, decoded.name) == (text, "Windows-1252")


def test_utf8_is_taken_as_it_is():
    decoded = decode_any("Ünïcödé — 你好\r\nline two\r".encode())
    assert decoded.text == "Ünïcödé — 你好\nline two\n"
    assert (decoded.encoding, decoded.guessed, decoded.describe()) == ("utf-8", False, "")


@pytest.mark.parametrize(
    "codec",
    ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_byte_order_marks(codec):
    text = "Ünïcödé — 你好"
    data = text.encode(codec)
    boms = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }
    data = boms.get(codec, b"") + data
    decoded = decode_any(data)
    assert decoded.text == text
    assert not decoded.guessed
    assert decode(data) == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(codec):
    text = "The ferry stopped running in November — “nobody minded”.\n" * 3
    decoded = decode_any(text.encode(codec))
    assert decoded.text == text
    assert decoded.name == codec.upper().replace("-LE", "LE").replace("-BE", "BE")


def test_utf8_with_a_few_stray_bytes_keeps_its_utf8():
    data = "“Quoted” — 灯台 and naïve.\n".encode() * 5 + b"One stray caf\xe9.\n"
    decoded = decode_any(data)
    assert decoded.text.endswith("“Quoted” — 灯台 and naïve.\nOne stray café.\n")
    assert (decoded.encoding, decoded.stray) == ("utf-8", 1)
    assert decoded.describe() == (
        "read as UTF-8, with 1 stray byte that was not UTF-8 read as Windows-1252"
    )


def test_a_stray_byte_early_in_a_long_file_does_not_garble_its_utf8_later():
    data = b"Plain ASCII text. " * 5000 + b"caf\xe9\n" + "“Quoted” — 灯台.\n".encode() * 10
    decoded = decode_any(data)
    assert decoded.text.endswith("café\n" + "“Quoted” — 灯台.\n" * 10)
    assert (decoded.encoding, decoded.stray) == ("utf-8", 1)


def _random_bytes(size: int, low: int = 1) -> bytes:
    rng = random.Random(size)
    return bytes(rng.randrange(low, 256) for _ in range(size))


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + _random_bytes(200, 0),
        _random_bytes(4096),  # no zero byte anywhere
        _random_bytes(64),
        _random_bytes(4096, 0x80),
        bytes(range(1, 32)) * 20 + "café".encode("latin-1"),
        b"GIF89a" + bytes(range(256)) * 4,
    ],
)
def test_binary_data_is_refused(data):
    with pytest.raises(StoryError, match=r"binary|not text"):
        decode_any(data)


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n"])
def test_empty_files_are_refused(data):
    with pytest.raises(StoryError, match="empty"):
        decode_any(data)


def test_strict_decode_still_refuses_other_encodings():
    with pytest.raises(StoryError, match=r"not UTF-8 text \(byte 0xe9 at offset 3\)"):
        decode("café".encode("latin-1"))


@pytest.mark.parametrize(
    ("codec", "name"),
    [
        ("cp932", "Shift_JIS"),
        ("shift_jis", "Shift_JIS"),
        ("euc_jis_2004", "EUC-JP"),
        ("cp949", "EUC-KR"),
        ("big5hkscs", "Big5-HKSCS"),
        ("latin_1", "ISO-8859-1"),
        ("windows-1252", "Windows-1252"),
        ("koi8-r", "KOI8-R"),
        ("iso8859_7", "ISO8859-7"),
    ],
)
def test_encoding_names(codec, name):
    assert encoding_name(codec) == name


# -- properties --------------------------------------------------------------------------------

# Words of each language, to build text the way people write it: a detector reads language,
# so a fair test gives it words, not random characters of the code page.
VOCABULARY = {
    "japanese": (
        "港", "灯り", "消えて", "いく", "のを", "窓辺", "で", "数えていた", "祖母", "の", "古い",
        "時計", "が", "十時", "を", "打つ", "と", "風", "急に", "強く", "なり", "船", "帆",
        "ばたばた", "鳴った", "明日", "は", "晴れる", "かしら", "彼女", "小さな", "声",
        "つぶやいた", "雨", "道", "町", "手紙", "読んだ", "静かに", "夜", "朝", "待って",
        "いました", "そして", "しかし", "ここ", "あの", "人", "見た", "。", "、", "「", "」",
    ),
    "chinese_simplified": (
        "雨", "停了", "以后", "小镇", "的", "石板路", "上", "还", "留着", "一层", "薄薄",
        "水光", "老师", "推开", "书店", "门", "把", "昨天", "没", "卖完", "旧书", "一本",
        "搬到", "门口", "木架", "隔壁", "阿姨", "笑着", "问", "她", "今天", "怎么", "这么",
        "早", "我们", "时候", "说", "没有", "知道", "觉得", "发现", "已经", "。", "，", "“", "”",
    ),
    "chinese_traditional": (
        "雨", "停了", "以後", "小鎮", "的", "石板路", "上", "還", "留著", "一層", "薄薄",
        "水光", "老師", "推開", "書店", "門", "把", "昨天", "沒", "賣完", "舊書", "一本",
        "搬到", "門口", "木架", "隔壁", "阿姨", "笑著", "問", "她", "今天", "怎麼", "這麼",
        "早", "我們", "時候", "說", "沒有", "知道", "覺得", "發現", "已經", "。", "，", "「", "」",
    ),
    "korean": (
        "비가", "그친", "뒤", "골목길에는", "아직", "물기가", "남아", "있었다", "수진은",
        "오래된", "자전거를", "끌고", "빵집", "앞을", "지나갔다", "주인", "아저씨가", "손을",
        "흔들며", "오늘은", "일찍", "나왔구나", "하고", "말했다", "그리고", "우리는",
        "집으로", "돌아갔다", "바다", "바람", "편지를", "읽었다", ".", ",",
    ),
    "russian": (
        "когда", "поезд", "наконец", "остановился", "у", "маленькой", "станции", "Вера",
        "долго", "не", "решалась", "выйти", "за", "окном", "шёл", "мелкий", "снег", "и",
        "фонари", "светили", "так", "тускло", "будто", "им", "самим", "было", "холодно",
        "ну", "что", "ж", "сказала", "она", "себе", "назад", "дороги", "нет", "он", "в",
        "на", "дом", "письмо", "утром", ".", ",", "-", "?",
    ),
    "french": (
        "le", "matin", "où", "la", "boulangère", "ferma", "boutique", "tout", "village",
        "s’étonna", "une", "journée", "de", "congé", "répéta", "facteur", "incrédule",
        "Élodie", "haussa", "les", "épaules", "elle", "avait", "décidé", "d’aller", "voir",
        "mer", "voilà", "et", "ce", "n’était", "l’affaire", "personne", "il", "est", "à",
        "déjà", "très", "été", "garçon", "français", "fenêtre", ".", ",", "«", "»", "—",
    ),
    "spanish": (
        "otra", "vez", "lloviendo", "preguntó", "Inés", "asomándose", "a", "la", "ventana",
        "de", "cocina", "su", "hermano", "no", "contestó", "estaba", "demasiado", "ocupado",
        "intentando", "arreglar", "el", "paraguas", "que", "viento", "había", "destrozado",
        "camino", "del", "mercado", "mañana", "compraré", "uno", "nuevo", "pensó", "él", "y",
        "en", "niño", "corazón", "también", "después", "qué", ".", ",", "¿", "?", "—",
    ),
}
ENCODINGS = {
    "japanese": ("shift_jis", "euc_jp"),
    "chinese_simplified": ("gb18030",),
    "chinese_traditional": ("big5",),
    "korean": ("euc_kr",),
    "russian": ("cp1251", "koi8_r"),
    "french": ("cp1252", "latin-1"),
    "spanish": ("cp1252", "latin-1"),
}
UNSPACED = ("japanese", "chinese_simplified", "chinese_traditional")


@st.composite
def texts_in_an_encoding(draw: st.DrawFn) -> tuple[str, str]:
    """A text of 30 to 150 words of one language (twelve different ones at least, with
    paragraph breaks now and then), and an encoding of that language that can hold it."""
    language = draw(st.sampled_from(sorted(VOCABULARY)))
    words = draw(
        st.lists(st.sampled_from(VOCABULARY[language]), min_size=30, max_size=150).filter(
            lambda chosen: len(set(chosen)) >= 12
        )
    )
    breaks = draw(st.lists(st.integers(0, len(words) - 1), max_size=4))
    for index in sorted(set(breaks), reverse=True):
        words.insert(index, "\n\n")
    text = ("" if language in UNSPACED else " ").join(words)
    encoding = draw(st.sampled_from(ENCODINGS[language]))
    if encoding == "latin-1":
        text = text.replace("’", "'").replace("—", "-")
    return text, encoding


@settings(max_examples=60, deadline=None)
@given(texts_in_an_encoding())
def test_text_in_any_listed_encoding_round_trips(case):
    text, encoding = case
    decoded = decode_any(text.encode(encoding))
    assert decoded.text == text


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00")))
def test_any_utf8_text_decodes_as_itself(text):
    if not text.strip():
        with pytest.raises(StoryError):
            decode_any(text.encode())
        return
    decoded = decode_any(text.encode())
    assert (decoded.text, decoded.encoding) == (text, "utf-8")
