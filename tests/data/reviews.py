"""Reviews as users write them, in the languages whose files arrive in legacy encodings.

Each language has sentences of praise and of complaint; ``review_rows`` joins a few of one kind
into a review, so a file holds realistic, distinct, several-sentence texts with commas, quotes and
the punctuation of its language.
"""

from __future__ import annotations

import csv
import io

REVIEWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "Works great, the battery lasts two full days.",
            "Arrived a day early and the box was spotless 👍",
            "The “pro” mode is worth every cent.",
            "My daughter loves it; we bought a second one.",
            "Setup took five minutes, no manual needed.",
        ),
        (
            "Stopped charging after a week – very disappointed.",
            "Support never answered my three e-mails.",
            "The screen scratches if you so much as look at it 😞",
            "Returned it, and the refund took a month.",
            "Cheap plastic, rattles when you shake it.",
        ),
    ),
    "ru": (
        (
            "Отличный телефон, пользуюсь уже полгода — ни одного зависания.",
            "Батарея держит два дня, камера снимает чётко даже вечером.",
            "Курьер привёз заказ на день раньше, всё было аккуратно упаковано.",
            "Экран яркий и сочный, фильмы смотреть одно удовольствие.",
            "Продавец быстро ответил на все вопросы и помог с настройкой.",
            "За свои деньги это лучший выбор, рекомендую друзьям!",
            "Звук громкий и чистый, басы приятно удивили.",
            "Инструкция понятная, разобрался за пять минут.",
        ),
        (
            "Через месяц отвалилась кнопка питания, сборка ужасная.",
            "Упаковка была помята, а зарядки внутри не оказалось.",
            "Не рекомендую: деньги выброшены на ветер.",
            "Телефон греется и сам перезагружается по ночам.",
            "Служба поддержки молчит уже вторую неделю.",
            "Обещали доставку за три дня, ждал почти месяц.",
            "Динамик хрипит на максимальной громкости, слушать невозможно.",
            "Магазин отказался принять возврат по гарантии «из-за царапин».",
        ),
    ),
    "ko": (
        (
            "배송이 정말 빨라서 주문한 다음 날 받았어요.",
            "화면이 선명하고 배터리도 오래 갑니다.",
            "가격 대비 성능이 훌륭합니다. 강력 추천해요!",
            "디자인이 예쁘고 가벼워서 들고 다니기 편해요.",
            "설명서가 친절해서 설치가 쉬웠어요.",
            "소리가 깨끗하고 음질이 기대 이상이에요.",
            "판매자분이 문의에 바로 답해 주셨어요.",
            "부모님 선물로 드렸는데 아주 좋아하세요.",
        ),
        (
            "포장이 엉망이라 상자가 찌그러져 왔어요.",
            "한 달 만에 고장 나서 너무 실망했습니다.",
            "고객센터는 전화를 받지 않네요.",
            "소리가 작고 잡음이 심합니다.",
            "다시는 이 판매자에게 사지 않을 겁니다.",
            "사진과 색상이 완전히 달라요.",
            "충전이 느리고 금방 뜨거워집니다.",
            "환불을 요청했는데 일주일째 답이 없어요.",
        ),
    ),
    "ja": (
        (
            "この炊飯器は本当に美味しくご飯が炊けます。",
            "操作が簡単で、説明書を読まなくても使えました。",
            "値段の割に品質が良く、家族も満足しています。",
            "音が静かなので夜でも気になりません。",
            "デザインがおしゃれで、キッチンが明るくなりました。",
            "注文の翌日に届き、梱包も丁寧でした。",
            "リピート決定です！友人にも勧めました。",
            "保温しても味が落ちないのが嬉しいです。",
        ),
        (
            "届いた商品は箱が潰れていて、傷もありました。",
            "二週間で電源が入らなくなり、とても残念です。",
            "サポートの対応が遅く、返事まで一週間かかりました。",
            "思ったより重く、毎日使うのは大変です。",
            "説明と違って内釜の表面がすぐに剥がれました。",
            "二度と買いません。",
            "炊きあがりが水っぽく、何度やっても改善しません。",
            "「新品」と書いてあったのに中古品のようでした。",
        ),
    ),
    "zh-hant": (
        (
            "這家餐廳的牛肉麵非常好吃，湯頭濃郁。",
            "服務生態度親切，上菜速度也很快。",
            "甜點很精緻，下次還會再來。",
            "推薦給喜歡台灣小吃的朋友。",
            "老闆很熱情，還送了我們一盤小菜。",
            "價格合理，份量也足夠兩個人吃。",
            "環境乾淨明亮，適合家庭聚餐。",
            "滷肉飯香而不膩，是我吃過最好的。",
        ),
        (
            "環境太吵了，完全沒辦法聊天。",
            "等了一個小時才有位子，非常失望。",
            "廁所不乾淨，桌子也黏黏的。",
            "炸雞太油，吃完肚子不舒服。",
            "價格太貴，份量卻很少。",
            "服務生忘了我們點的湯，催了三次才送來。",
            "麵條煮得太軟，一點嚼勁都沒有。",
            "「招牌菜」其實很普通，不會再來了。",
        ),
    ),
    "zh-hans": (
        (
            "这部电影的剧情非常精彩，演员的表演也很自然。",
            "特效做得很棒，值得去电影院看。",
            "配乐很感人，好几次都让我流泪。",
            "强烈推荐给喜欢科幻片的朋友！",
            "导演讲故事的节奏把握得恰到好处。",
            "看完以后心情很好，还想再看一遍。",
            "画面很美，每一帧都可以当壁纸。",
            "主角的成长线写得很真实。",
        ),
        (
            "节奏太慢了，看到一半我就睡着了。",
            "结局让人失望，感觉导演没有想好怎么收尾。",
            "票价太贵，不值这个钱。",
            "对白很尴尬，笑点也很生硬。",
            "剧情漏洞太多，逻辑完全说不通。",
            "宣传片比正片好看多了。",
            "配角抢戏，主线反而没讲清楚。",
            "浪费了两个小时，后悔买票。",
        ),
    ),
    # Weibo-style: emoji and characters outside GBK, which only GB18030 encodes.
    "zh-weibo": (
        (
            "今天的直播太好看了👍👍",
            "主播声音好听，讲解也很专业😀",
            "抽到了奖品，开心到飞起🎉",
            "这家奶茶店的珍珠超级Q弹，下次还来。",
            "包装很用心，还送了一张手写卡片❤️",
        ),
        (
            "排队两个小时，结果卖完了😭",
            "客服态度太差，问什么都不回。",
            "快递把箱子压扁了，里面的杯子碎了😡",
            "说好的赠品没有，差评。",
            "质量一般，用了三天就坏了💔",
        ),
    ),
    # cp1252: the euro sign, typographic quotes, the en dash and œ are not in Latin-1.
    "fr": (
        (
            "Le service était impeccable et le dîner délicieux.",
            "Menu à 45 € pour deux, c’est très correct.",
            "Le chef est venu nous saluer : « Bon appétit ! »",
            "Cœur de bœuf parfaitement cuit, frites maison croustillantes.",
            "Une adresse à retenir – on reviendra l’été prochain.",
            "Les desserts sont “faits maison” et ça se sent.",
        ),
        (
            "Déçu : la crème brûlée était froide et trop sucrée.",
            "Le serveur a oublié notre commande… deux fois.",
            "Plus de 30 € pour une salade fade, quelle arnaque.",
            "Bruyant, mal éclairé et la soupe à l’oignon était tiède.",
            "On nous a servi du vin bouchonné sans même s’excuser.",
            "Réservation « perdue », une heure d’attente au bar.",
        ),
    ),
    # Latin-1 only: no euro sign or curly quotes, but ½ and ´, which Latin-9 reads as other letters.
    "de": (
        (
            "Das Essen war großartig, die Bedienung freundlich.",
            "Für ein ½ Hähnchen mit Salat war der Preis fair.",
            "Die Terrasse ist schön, man sitzt im Grünen.",
            "Der Kellner empfahl uns den Weißwein, eine gute Wahl.",
            "Frühstück bis 14 Uhr, Kaffee wird nachgeschenkt.",
            "»Absolut empfehlenswert«, sagt auch meine Schwiegermutter.",
        ),
        (
            "Die Suppe war lauwarm, kaum 40 °C, und versalzen.",
            "Wir warteten über eine Stunde auf unser Schnitzel, ärgerlich.",
            "Die Rechnung enthielt zwei Getränke zu viel.",
            "Laut, eng und die Toiletten waren schmutzig.",
            "Das Steak war zäh und das Gemüse verkocht.",
            "Wie´s aussieht, kommen wir so schnell nicht wieder.",
        ),
    ),
}

LANGUAGES = tuple(REVIEWS)


def review_rows(lang: str, rows: int = 36, sentences: int = 3) -> list[tuple[str, str]]:
    """(review, label) pairs: each review joins ``sentences`` sentences of one sentiment."""
    positive, negative = REVIEWS[lang]
    out = []
    for row in range(rows):
        pool, label = (positive, "positive") if row % 2 == 0 else (negative, "negative")
        start = row // 2
        picked = [pool[(start + step * (1 + row % 3)) % len(pool)] for step in range(sentences)]
        separator = "" if lang.startswith(("zh", "ja")) else " "
        out.append((separator.join(picked), label))
    return out


def reviews_csv(lang: str, rows: int = 36, *, delimiter: str = ",",
                line_end: str = "\n", sentences: int = 3) -> str:
    """A CSV (or TSV) with header ``review,label`` as a spreadsheet would write it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(["review", "label"])
    writer.writerows(review_rows(lang, rows, sentences))
    return buffer.getvalue()
