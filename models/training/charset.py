"""Character set of the Korean plate recogniser: digits, plate use syllables and the syllables of region names."""

DIGITS = "0123456789"

# Use syllables on car plates (non-commercial 가..주, commercial 아바사자, delivery 배, rental 하허호, military).
USE_SYLLABLES = list("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호육해공국합")
# Legacy motorcycle plates run through the consonant order.
MOTO_SYLLABLES = list("가나다라마바사아자차카타파하")



def look_alikes(syllable: str) -> list[str]:
    """Use syllables with the same vowel and another initial consonant: the look-alikes real crops confuse
    (두/루, 조/소/호, 가/사, 마/라, 버/머, 더/너, 어/허)."""
    base = ord(syllable) - 0xAC00
    if not 0 <= base < 11172:
        return []
    vowel = (base // 28) % 21
    return [s for s in USE_SYLLABLES if s != syllable and 0 <= ord(s) - 0xAC00 < 11172
            and ((ord(s) - 0xAC00) // 28) % 21 == vowel and (ord(s) - 0xAC00) % 28 == base % 28]


# Province / metropolitan names printed on older car plates and legacy motorcycle plates.
REGIONS = ["서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원",
           "충북", "충남", "전북", "전남", "경북", "경남", "제주"]

# District names on the top row of legacy (pre-2026) motorcycle plates, e.g. "서울 강남".
DISTRICTS = {
    "서울": ["강남", "강동", "강북", "강서", "관악", "광진", "구로", "금천", "노원", "도봉", "동대문", "동작", "마포",
           "서대문", "서초", "성동", "성북", "송파", "양천", "영등포", "용산", "은평", "종로", "중구", "중랑"],
    "부산": ["해운대", "수영", "사하", "동래", "북구", "남구", "사상", "연제", "금정", "기장"],
    "대구": ["수성", "달서", "북구", "동구", "달성"],
    "인천": ["남동", "부평", "연수", "계양", "서구", "미추홀"],
    "광주": ["북구", "서구", "광산", "남구"],
    "대전": ["유성", "서구", "대덕", "중구"],
    "울산": ["남구", "북구", "울주", "중구"],
    "세종": ["세종"],
    "경기": ["수원", "성남", "고양", "용인", "부천", "안산", "안양", "남양주", "화성", "평택", "의정부", "시흥",
           "파주", "김포", "광명", "군포", "오산", "이천", "양주", "구리", "안성", "포천", "의왕", "하남"],
    "강원": ["춘천", "원주", "강릉", "속초", "동해"],
    "충북": ["청주", "충주", "제천"],
    "충남": ["천안", "아산", "서산", "공주", "논산"],
    "전북": ["전주", "익산", "군산", "정읍"],
    "전남": ["목포", "여수", "순천", "광양", "나주"],
    "경북": ["포항", "구미", "경주", "안동", "경산"],
    "경남": ["창원", "김해", "진주", "양산", "거제", "통영"],
    "제주": ["제주", "서귀포"],
}


def _build() -> str:
    seen: list[str] = []
    for ch in DIGITS + "".join(USE_SYLLABLES) + "".join(MOTO_SYLLABLES) + "".join(REGIONS) + "".join(
            d for ds in DISTRICTS.values() for d in ds):
        if ch not in seen:
            seen.append(ch)
    return "".join(seen)


# Index 0 of the model output is the CTC blank; CHARSET[i] is class i + 1.
CHARSET = _build()
CHAR_TO_CLASS = {c: i + 1 for i, c in enumerate(CHARSET)}
NUM_CLASSES = len(CHARSET) + 1

if __name__ == "__main__":
    print(len(CHARSET), CHARSET)
