"""Propositions: which fact a claim is about, read from sentences written in many styles.

Each row is a short article (a headline or one to three sentences), its publication date,
and the scope every casualty or troop claim in it must get. Claims about the same fact must
share a scope; claims about different facts (a city's shelling toll and a national total,
the first day and the war so far, one side's dead and the other's) must not.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract import extract_claims
from pipeline.propositions import describe, scope_of, troop_area, victim_group
from schemas.records import NormalisedArticle

FEB_15, FEB_25, MAR_2, MAR_7 = (
    date(2022, 2, 15),
    date(2022, 2, 25),
    date(2022, 3, 2),
    date(2022, 3, 7),
)


def scopes(text: str, published: date) -> dict[int, str]:
    article = NormalisedArticle(text=text, published=published)
    return {c.value: scope_of(c) for c in extract_claims(article)}  # type: ignore[misc]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        # the Donbas war toll, before and after the invasion
        ("The conflict in eastern Ukraine has killed more than 14,000 people since 2014.", FEB_15,
         {14_000: "killed/all/since-donbas-2014"}),
        ("Fighting between government forces and Russian-backed rebels has claimed some 13,000 lives.", FEB_15,
         {13_000: "killed/all/since-donbas-2014"}),
        ("Before the invasion, eight years of war in the Donbas had killed 14,000 people.", MAR_2,
         {14_000: "killed/all/since-donbas-2014"}),
        # one side's military dead since the invasion, however it is worded
        ("Ukraine says Russia has lost 5,300 troops since Thursday.", FEB_25 + (MAR_2 - MAR_2),
         {5300: "killed/russian/since-invasion-2022"}),
        ("Russia's defence ministry said 498 of its troops had been killed.", MAR_2,
         {498: "killed/russian/since-invasion-2022"}),
        ("MOSCOW (Reuters) - The Russian military said on Wednesday that 498 servicemen had died in Ukraine.", MAR_2,
         {498: "killed/russian/since-invasion-2022"}),
        ("Kyiv puts Russian troop deaths at around 6,000.", MAR_2,
         {6000: "killed/russian/since-invasion-2022"}),
        ("The Russian army claimed more than 2,870 Ukrainian servicemen were killed since the start of the operation.", MAR_2,
         {2870: "killed/ukrainian/since-invasion-2022"}),
        # civilians: the UN's running count
        ("The UN human rights office said 406 civilians had been killed since the Russian invasion began.", MAR_7,
         {406: "killed/civilians/since-invasion-2022"}),
        ("UPDATE 14:05 — UN: at least 801 civilians injured in Ukraine so far.", MAR_7,
         {801: "wounded/civilians/since-invasion-2022"}),
        # a running total counted up to a day, or since a weekday, is not a day's toll
        ("The UN said it had recorded 240 civilian deaths in Ukraine as of midnight on Saturday.", date(2022, 2, 28),
         {240: "killed/civilians/since-invasion-2022"}),
        ("Ukraine's emergency service said on Sunday that 210 civilians had been killed since Thursday.", date(2022, 2, 27),
         {210: "killed/civilians/since-invasion-2022"}),
        # a local authority's running total is its city's, not the country's
        ("Chernihiv's mayor said 350 civilians had been killed since the invasion.", MAR_7,
         {350: "killed/civilians/since-invasion-2022-chernihiv"}),
        ("The National Police said 300 civilians had been killed since the invasion.", MAR_7,
         {300: "killed/civilians/since-invasion-2022"}),
        # children's deaths alone are a fact of their own, however they are introduced
        ("Prosecutors said 64 children had been killed since the invasion began.", MAR_7,
         {64: "killed/civilians-children/since-invasion-2022"}),
        # a single day
        ("Zelensky: 137 Ukrainians killed on first day of invasion", FEB_25,
         {137: "killed/ukrainian/day-2022-02-24"}),
        ("Ukraine's president said 137 soldiers and civilians died on the first day of the fighting. "
         "Another 316 were wounded, he said.", FEB_25,
         {137: "killed/ukrainian/day-2022-02-24", 316: "wounded/ukrainian/day-2022-02-24"}),
        ("Ukraine's army said two soldiers were killed and 12 wounded in the past 24 hours.", date(2022, 2, 22),
         {2: "killed/ukrainian/day-2022-02-22", 12: "wounded/ukrainian/day-2022-02-22"}),
        # one incident: a place and a day
        ("Russian shelling of Kharkiv on Monday killed 11 people, the regional governor said.", date(2022, 3, 1),
         {11: "killed/all/incident-kharkiv-2022-02-28"}),
        ("At least 21 people died when a missile struck the regional administration building in Mykolaiv.", date(2022, 3, 29),
         {21: "killed/all/incident-mykolaiv-2022-03-29"}),
        # a nationality names no town: "near the Polish border"
        ("A missile strike near the Polish border killed 9 people in Starychi.", date(2022, 3, 13),
         {9: "killed/all/incident-starychi-2022-03-13"}),
        ("Russian airstrikes hit a base in the village of Kalynivka. The strikes killed 18 servicemen, the report said.", FEB_25,
         {18: "killed/all/incident-kalynivka-2022-02-25"}),
        # whoever writes "non-combatants", "peaceful inhabitants" or "youngsters" counts civilians
        ("At least 190 non-combatants have been killed since Russian troops crossed into Ukraine, the UN said.", MAR_2,
         {190: "killed/civilians/since-invasion-2022"}),
        ("The number of peaceful inhabitants killed has reached 812, the city council said.", MAR_2,
         {812: "killed/civilians/since-invasion-2022"}),
        ("UNICEF said at least 21 youngsters have lost their lives since the offensive began.", MAR_2,
         {21: "killed/civilians-children/since-invasion-2022"}),
        # an attack named by its day ("Thursday's shelling") happened that day
        ("Medics have pulled 19 bodies from the ruins after Monday's shelling of a school in Sumy, officials said.", MAR_2,
         {19: "killed/all/incident-sumy-2022-02-28"}),
        # soldiers who "have fallen" are dead; troops that have fallen back are not
        ("\"Some 900 of our soldiers have fallen,\" the president told reporters.", MAR_2,
         {900: "killed/all/since-invasion-2022"}),
        ("Some 30,000 Russian troops have fallen back from the capital, the Pentagon said.", MAR_2,
         {30_000: "around_ukraine"}),
        # an aside pairing two nouns between the figure and its verb
        ("Officials said 211 Ukrainians, soldiers and civilians, were killed in the first days of the war.", MAR_2,
         {211: "killed/ukrainian/since-invasion-2022"}),
        # "the enemy" is the other side than the speaker's
        ("The enemy has lost more than 2,000 soldiers, the Ukrainian army said.", MAR_2,
         {2_000: "killed/russian/since-invasion-2022"}),
        ("The enemy's losses amount to some 1,100 servicemen killed, Moscow's defence ministry said.", MAR_2,
         {1_100: "killed/ukrainian/since-invasion-2022"}),
        # officials in a city speak for the city
        ("Officials in Kherson said 300 residents of the occupied city had been killed.", MAR_7,
         {300: "killed/civilians/since-invasion-2022-kherson"}),
        # a toll far from the verb that gives its figure
        ("The death toll from Saturday's shelling of the crowded central market square in the eastern "
         "town of Severodonetsk has now risen to 17, officials said.", MAR_2,
         {17: "killed/all/incident-severodonetsk-2022-02-26"}),
        # "killed when ... hit": an incident, wherever the sentence sets it
        ("Eleven firefighters died when a missile hit a depot in Vinnytsia, rescuers said.", MAR_2,
         {11: "killed/all/incident-vinnytsia-2022-03-02"}),
        # sub-counts are facts of their own
        ("Officials said 352 people had died, including 14 children.", date(2022, 2, 27),
         {352: "killed/all/since-invasion-2022", 14: "killed/civilians-children/since-invasion-2022"}),
        # ... also when the total has no noun of its own ("198, including three children")
        ("The death toll has risen to 198, including three children, the minister said.", MAR_2,
         {198: "killed/all/since-invasion-2022", 3: "killed/civilians-children/since-invasion-2022"}),
        # ... and in one incident: the part is not the whole
        ("A missile strike on Mykolaiv killed 12 people, among them two children.", MAR_2,
         {12: "killed/all/incident-mykolaiv-2022-03-02",
          2: "killed/all-children/incident-mykolaiv-2022-03-02"}),
        # a toll said to move, then its figure after a colon
        ("The toll rose again: 352 civilians, including 14 children, the ministry said.", MAR_2,
         {352: "killed/civilians/since-invasion-2022",
          14: "killed/civilians-children/since-invasion-2022"}),
        # "Of the N killed, M were children": a sub-count
        ("Of the 516 civilians killed, 37 were children, the UN said.", MAR_2,
         {516: "killed/civilians/since-invasion-2022", 37: "killed/civilians-children/since-invasion-2022"}),
        # one city's toll: "In Mariupol alone"
        ("In Mariupol alone, 1,207 civilians have been killed, the mayor's office said.", MAR_2,
         {1207: "killed/civilians/since-invasion-2022-mariupol"}),
        ("In Kyiv, the health ministry said 352 civilians had been killed.", MAR_2,
         {352: "killed/civilians/since-invasion-2022"}),
        # a toll built up by shelling is a running total, the city's when its people are named
        ("Russian shelling has claimed the lives of at least 2,187 Mariupol residents, the city "
         "council said.", MAR_2, {2187: "killed/civilians/since-invasion-2022-mariupol"}),
        ("The UN said 406 civilians had died, including 20 Kharkiv residents.", MAR_2,
         {406: "killed/civilians/since-invasion-2022",
          20: "killed/civilians-residents/since-invasion-2022-kharkiv"}),
        ("Shelling has killed 9 people in Kharkiv today, the governor said.", MAR_2,
         {9: "killed/all/incident-kharkiv-2022-03-02"}),
        # the toll word nearest the figure, and "our comrades" are the speaker's side
        ("\"There are losses among our comrades,\" said Igor Konashenkov, the defence ministry's "
         "spokesman, who put the number killed at 498.", MAR_2, {498: "killed/russian/since-invasion-2022"}),
        # a side's military that suffered deaths
        ("Russia's military has likely suffered between 2,000 and 4,000 deaths, a US official said.",
         MAR_2, {2000: "killed/russian/since-invasion-2022"}),
        # a city described, then named
        ("Shelling killed at least 21 people in Ukraine's second-largest city, Kharkiv, the "
         "governor said.", MAR_2, {21: "killed/all/incident-kharkiv-2022-03-02"}),
        # "died after (as) ... hit": an incident, like "killed when ... hit"
        ("At least 70 Ukrainian soldiers died after Russian artillery hit a military base in "
         "Okhtyrka.", MAR_2, {70: "killed/all/incident-okhtyrka-2022-03-02"}),
        ("Five killed, 12 hurt as shells hit Kharkiv market", MAR_2,
         {5: "killed/all/incident-kharkiv-2022-03-02", 12: "wounded/all/incident-kharkiv-2022-03-02"}),
        # a live page's losses line: personnel losses are the dead
        ("10:15 Russian losses: 5,300 personnel, 191 tanks, 29 aircraft - Ukrainian General Staff",
         MAR_2, {5300: "killed/russian/since-invasion-2022"}),
        # each side's words for killing the other's soldiers, and for those soldiers
        ("The Armed Forces of Ukraine destroyed about 9,000 occupiers, the General Staff said.",
         MAR_2, {9000: "killed/russian/since-invasion-2022"}),
        ("Russian forces neutralised 300 nationalists near Kharkiv, the ministry said.", MAR_2,
         {300: "killed/ukrainian/since-invasion-2022"}),
        ("About 300 occupiers have been neutralised near Kherson, the General Staff said.", MAR_2,
         {300: "killed/russian/since-invasion-2022"}),
        ("Some 40 tanks were destroyed near Kyiv.", MAR_2, {}),
        # a side's forces that lost soldiers, with or without "has"
        ("Ukraine's army lost 2,870 soldiers, the Russian military said.", MAR_2,
         {2870: "killed/ukrainian/since-invasion-2022"}),
        ("Moscow's forces lost 5,710 soldiers, Kyiv said.", MAR_2,
         {5710: "killed/russian/since-invasion-2022"}),
        # another war in another part of the sentence is not this figure's
        ("The war in Syria killed 3,000 Russians; the Ukraine war has already killed 5,000.",
         MAR_2, {5000: "killed/all/since-invasion-2022"}),
        ("In 1941, Nazi forces killed 34,000 Jews at Babyn Yar.", MAR_2, {}),
        ("Ukrainian forces destroyed 200 tanks and 30 aircraft.", MAR_2, {}),
        ("Airstrikes destroyed 40 buildings in the city.", MAR_2, {}),
        ("The toll on the roads: 35 ambulances were damaged.", MAR_2, {}),
        ("Toll booths on the highway: 12 closed.", MAR_2, {}),
    ],
)  # fmt: skip
def test_casualty_propositions(text: str, published: date, expected: dict[int, str]) -> None:
    assert scopes(text, published) == expected


def test_a_city_toll_never_meets_the_national_toll() -> None:
    text = ("Shelling killed nine civilians in Chernihiv on Thursday. "
            "The UN says 549 civilians have been killed across Ukraine since the invasion.")  # fmt: skip
    found = scopes(text, date(2022, 3, 4))
    assert found[9] != found[549]
    assert found[549] == "killed/civilians/since-invasion-2022"


def test_the_day_a_statement_was_made_is_not_the_day_of_the_deaths() -> None:
    text = "The ministry said on Monday that 5,000 Russian soldiers have been killed since the invasion."
    assert scopes(text, date(2022, 3, 1)) == {5000: "killed/russian/since-invasion-2022"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Russia has massed more than 100,000 troops near Ukraine's borders.", "around_ukraine"),
        ("Some 30,000 Russian troops are in Belarus for the drills.", "belarus"),
        ("Around 30,000 soldiers have been deployed to Belarusthe alliance said.", "belarus"),
        ("An estimated 35,000 troops are stationed in Crimea.", "crimea"),
        # a list of places: the figure counts them all, the build-up around Ukraine
        (
            "Moscow keeps about 30,000 soldiers in Belarus, Russia's western regions and occupied "
            "Crimea, the Pentagon said.",
            "around_ukraine",
        ),
        ("Some 30,000 troops are in Belarus, in Russia and in occupied Crimea.", "around_ukraine"),
        (
            "About 40,000 troops are in Belarus as well as Russia's Bryansk region.",
            "around_ukraine",
        ),
        # an apposition is not a list; a new clause after "and" is not a place
        ("Russia has sent 30,000 troops to Belarus, Russia's ally, for drills.", "belarus"),
        ("Russia has 30,000 troops in Belarus and the drills end soon.", "belarus"),
        ("Russia has 30,000 troops in Belarus, and NATO is worried.", "belarus"),
    ],
)
def test_troop_propositions(text: str, expected: str) -> None:
    (scope,) = scopes(text, FEB_15).values()
    assert scope == expected


@pytest.mark.parametrize(
    "victims, group",
    [("Ukrainian soldiers", "ukrainian"), ("Russian troops", "russian"), ("Ukrainians", "ukrainian"),
     ("civilians", "civilians"), ("people", "all"), (None, "all"), ("children", "civilians")],
)  # fmt: skip
def test_victim_groups(victims: str | None, group: str) -> None:
    assert victim_group(victims) == group


def test_troop_area_gazetteer() -> None:
    assert (
        troop_area("on the Belarusian-Ukrainian border, Crimea and the Donbas") == "around_ukraine"
    )
    assert troop_area("in Belarus") == "belarus"


@pytest.mark.parametrize(
    "kind, scope, words",
    [
        ("casualty_count", "killed/russian/since-invasion-2022", "Russian military and people killed since the invasion of 24 Feb 2022"),
        ("casualty_count", "killed/civilians/since-invasion-2022", "civilians killed since the invasion of 24 Feb 2022"),
        ("casualty_count", "wounded/ukrainian/day-2022-02-24", "Ukrainian military and people wounded on 24 Feb 2022"),
        ("casualty_count", "killed/all/incident-kharkiv-2022-02-28", "people killed in one incident in Kharkiv on 28 Feb 2022"),
        ("casualty_count", "killed/all/since-donbas-2014", "people killed in the Donbas war since 2014"),
        ("casualty_count", "killed/civilians/since-invasion-2022-chernihiv", "civilians killed since the invasion of 24 Feb 2022 in Chernihiv"),
        ("troop_count", "belarus", "Russian troops in Belarus"),
        ("troop_count", "around_ukraine/ground", "Russian troops around Ukraine (ground forces)"),
        ("drill_end_date", "belarus_joint_drills", "end date of the Russia–Belarus joint drills"),
    ],
)  # fmt: skip
def test_propositions_read_as_words(kind: str, scope: str, words: str) -> None:
    assert describe(kind, scope) == words
