"""Demo campaigns, written for Coalition from the public facts of five real campaigns."""

from datetime import date

ORGANIZATIONS = [
    {
        "slug": "physicians-for-human-rights",
        "name": "Physicians for Human Rights",
        "website": "https://phr.org/",
        "country": "US",
        "kind": "ngo",
        "description": (
            "A US-based organization that puts medical and scientific expertise to work documenting "
            "mass atrocities and defending health workers. In Syria it has tracked attacks on hospitals "
            "and medical staff and pressed for the people responsible to face a court."
        ),
        "verified": True,
        "colour": "#1f4e79",
    },
    {
        "slug": "amnesty-international",
        "name": "Amnesty International",
        "website": "https://www.amnesty.org/",
        "country": "GB",
        "kind": "ngo",
        "description": (
            "A worldwide movement of people campaigning against abuses of human rights, with its "
            "international secretariat in London. It researches violations, lobbies governments and "
            "mobilizes its supporters to act together."
        ),
        "verified": True,
        "colour": "#222222",
    },
    {
        "slug": "amnesty-international-australia",
        "name": "Amnesty International Australia",
        "website": "https://www.amnesty.org.au/",
        "country": "AU",
        "kind": "ngo",
        "description": (
            "The Australian section of Amnesty International. It asks Australian decision makers to "
            "stand up for human rights at home and in the region, and to use their voice at the "
            "United Nations."
        ),
        "verified": True,
        "colour": "#5a4500",
    },
    {
        "slug": "families-for-freedom",
        "name": "Families for Freedom",
        "website": "https://syrianfamilies.org/",
        "country": "SY",
        "kind": "grassroots",
        "description": (
            "A women-led movement of Syrian families whose relatives have been detained or forcibly "
            "disappeared. Its members campaign for the release of detainees, the truth about the "
            "missing and justice for those who were killed."
        ),
        "verified": True,
        "colour": "#7a1f3d",
    },
    {
        "slug": "orontes-legal-aid-collective",
        "name": "Orontes Legal Aid Collective",
        "website": "https://orontes-legal-aid.example/",
        "country": "DE",
        "kind": "legal",
        "description": (
            "A demo organization for Coalition's sample content. It stands in for a group of Syrian "
            "lawyers in exile who help survivors bring complaints under universal jurisdiction."
        ),
        "verified": False,
        "colour": "#234d3a",
    },
    {
        "slug": "lanternwell-documentation-centre",
        "name": "Lanternwell Documentation Centre",
        "website": "https://lanternwell.example/",
        "country": "NL",
        "kind": "academic",
        "description": (
            "A demo organization for Coalition's sample content. It plays the part of a research "
            "centre that preserves testimony, images and records of violations for future trials."
        ),
        "verified": False,
        "colour": "#3b3172",
    },
    {
        "slug": "threadline-detainee-support-network",
        "name": "Threadline Detainee Support Network",
        "website": "https://threadline-network.example/",
        "country": "TR",
        "kind": "network",
        "description": (
            "A demo organization for Coalition's sample content. It represents a network of former "
            "detainees offering peer support and pushing for the release of people still held."
        ),
        "verified": False,
        "colour": "#5b2a86",
    },
    {
        "slug": "fieldlight-medics-for-accountability",
        "name": "Fieldlight Medics for Accountability",
        "website": "https://fieldlight-medics.example/",
        "country": "FR",
        "kind": "professional",
        "description": (
            "A demo organization for Coalition's sample content. It imagines an association of Syrian "
            "doctors and nurses recording attacks on clinics and the health workers inside them."
        ),
        "verified": False,
        "colour": "#8a2b1d",
    },
    {
        "slug": "almond-gate-womens-justice-circle",
        "name": "Almond Gate Women's Justice Circle",
        "website": "https://almond-gate.example/",
        "country": "GB",
        "kind": "grassroots",
        "description": (
            "A demo organization for Coalition's sample content. It is modelled on a community group "
            "of Syrian women in the diaspora who organize vigils, testimony evenings and advocacy visits."
        ),
        "verified": False,
        "colour": "#6b3a12",
    },
    {
        "slug": "homeward-watch-for-refugee-rights",
        "name": "Homeward Watch for Refugee Rights",
        "website": "https://homeward-watch.example/",
        "country": "LB",
        "kind": "ngo",
        "description": (
            "A demo organization for Coalition's sample content. It stands in for a monitoring group "
            "that tracks pressure on Syrian refugees to go back and what happens to those who do."
        ),
        "verified": False,
        "colour": "#0f5257",
    },
]

# Decision makers the constituent letter (000) writes to: invented senators, two per state,
# at .example addresses (nothing is ever sent to a real office from the demo).
RECIPIENT_LISTS = [
    {
        "name": "US Senate",
        "description": "Demo list: fictional senators for four states, two each.",
        "region_label": "State",
        "decision_makers": [
            ("demo-us-senate-ca-1", "Rosalind Achterberg", "CA"),
            ("demo-us-senate-ca-2", "Tomas Villanueva-Hart", "CA"),
            ("demo-us-senate-il-1", "Harriet Quenneville", "IL"),
            ("demo-us-senate-il-2", "Abel Nakashima", "IL"),
            ("demo-us-senate-ny-1", "Eleanor Hartwell", "NY"),
            ("demo-us-senate-ny-2", "Desmond Okafor-Lang", "NY"),
            ("demo-us-senate-or-1", "Marcus Delacroix-Reyes", "OR"),
            ("demo-us-senate-or-2", "Greta Sandoval", "OR"),
        ],
    },
]

LETTERS = [
    # 000: Physicians for Human Rights, to each reader's senators, 2013.
    {
        "slug": "refer-syria-to-the-icc-senate",
        "title": "Ask Your Senators to Back an ICC Referral for Syria",
        "summary": (
            "Two and a half years into the conflict, more than 100,000 people are dead. Ask the Senate "
            "to support Senate Resolution 219, which urges that Syria be brought before the "
            "International Criminal Court."
        ),
        "introduction": (
            "<p>For two and a half years Syria has been a place of shelling, mass killing, torture, "
            "arbitrary arrest, sexual violence and, now, chemical attack. Over 100,000 people have lost "
            "their lives. Millions have been pushed from their homes within the country, and around "
            "2 million have crossed its borders, living in camps or in cities abroad with too little "
            "food, shelter or medical care.</p>"
            "<p>Meeting those urgent humanitarian needs has to remain a priority for the world. But "
            "relief alone will not end the cycle. The people who ordered and carried out these crimes "
            "must answer for them, and the UN Security Council has the power to send the situation to "
            "the International Criminal Court.</p>"
            "<p>United Nations investigators have concluded that war crimes were committed on both "
            "sides. Government forces and the militias fighting with them have gone further, aiming "
            "their attacks at hospitals, doctors and nurses, and blocking the wounded from treatment, "
            "in open breach of medical neutrality.</p>"
            "<p>The US Senate can add its weight to a referral. Write to your senators today and ask "
            "them to stand with the victims.</p>"
        ),
        "recipients_line": "Dear [Decision Maker],",
        "body": (
            "<p>My name is [Your Name] and I am one of your constituents in [Your City]. I am asking for "
            "your support for Senate Resolution 219, which urges that the situation in Syria be referred "
            "to the International Criminal Court (ICC).</p>"
            "<p>Since fighting began in March 2011, more than 100,000 people are reported to have died. "
            "Some 2 million Syrians have become refugees, and millions more are displaced inside the "
            "country. Forces loyal to President Bashar al-Assad and their allies stand accused of "
            "shelling residential neighbourhoods, looting and razing homes, torturing people on a mass "
            "scale, holding people without lawful grounds, carrying out summary executions, and cutting "
            "civilians off from water, food and medical care. The government is also alleged to have "
            "used chemical weapons in a recent attack that took thousands of lives, many of them "
            "children. Armed groups in Syria, including terrorist organizations, are likewise accused "
            "of abductions, summary killings and torture of civilians.</p>"
            "<p>These are not isolated allegations. In February 2012 the independent "
            "Commission of Inquiry set up by the UN Human Rights Council to investigate Syria reported reasonable grounds to believe "
            "that named individuals, up to commanders and the most senior officials, were responsible "
            "for crimes against humanity and gross violations of human rights. On 5 February 2013 the UN "
            "concluded that government forces and allied militias had committed crimes against "
            "humanity and war crimes, including widespread sexual violence and violations of "
            "children's rights, and that some armed opposition groups had also committed war "
            "crimes.</p>"
            "<p>The ICC exists for exactly this: to try those accused of genocide, war crimes and "
            "crimes against humanity, and to deter others from doing the same. A clear statement from "
            "the Senate would show that the United States condemns these abuses and the use of "
            "chemical weapons, stands with Syrians who are seeking peaceful change, and expects those "
            "responsible to be held to account.</p>"
            "<p>I hope I can count on you to support Senate Resolution 219.</p>"
        ),
        "closing": "Sincerely,",
        "language": "en",
        "status": "open_for_signatures",
        "signature_goal": 10000,
        "deadline": None,
        "lead": "physicians-for-human-rights",
        "co_drafters": [],
        # Each signer's own copy goes to the two senators of the state they choose.
        "delivery_mode": "constituent",
        "recipient_lists": ["US Senate"],
        "constituent_digest": False,
        "allow_personal_message": True,
        "recipients": [
            {
                "name": "Eleanor Hartwell",
                "title": "United States Senator for New York",
                "email": "senator.hartwell@senate.example",
                "country": "US",
                "region": "NY",
            },
            {
                "name": "Marcus Delacroix-Reyes",
                "title": "United States Senator for Oregon",
                "email": "senator.delacroix-reyes@senate.example",
                "country": "US",
                "region": "OR",
            },
        ],
        "hero": {
            "caption": "Justice for Syria starts with a referral to the International Criminal Court.",
            "credit": "Coalition demo artwork",
            "palette": ("#1f4e79", "#0b1f33"),
        },
        "updates": [],
        "thank_you": (
            "<p>Thank you for writing to your senators. Every message tells them that people in their "
            "state are watching and want the perpetrators of atrocities in Syria brought before a "
            "court.</p>"
        ),
        "related_actions": [],
        "donate_url": "",
        "share_text": "I asked my senators to support Senate Resolution 219 and an ICC referral for Syria. Add your voice.",
    },
    # 001: Physicians for Human Rights, to each reader's representative.
    {
        "slug": "justice-for-victims-of-atrocities-in-syria",
        "title": "Justice for the Victims of Mass Atrocities in Syria",
        "summary": (
            "Attacks on hospitals and health workers in Syria are war crimes. Ask your representative "
            "to support H. Res. 229, which asks the UN Security Council to send Syria's case to the "
            "International Criminal Court."
        ),
        "introduction": (
            "<p>For two years the Syrian government and the forces on its side have waged a campaign "
            "of terror against the country's own people. Some 70,000 people are estimated to have died, "
            "and 2.5 million have been driven from their homes. Untold numbers have been tortured or subjected to "
            "sexual violence. Opposition fighters, too, have killed, abducted and assaulted "
            "civilians.</p>"
            "<p>Health care has been a deliberate target. The authorities have struck hospitals, "
            "tortured and killed doctors and nurses, and kept patients from the treatment they need. "
            "This is a calculated way of deepening civilian suffering, and under international law it "
            "is a war crime.</p>"
            "<p>Physicians for Human Rights has urged the UN Security Council to place the situation "
            "in Syria before the International Criminal Court, a step senior UN officials have also "
            "backed. Now a resolution before Congress, H. Res. 229, makes the same call. The ICC is a "
            "standing court for the gravest crimes, able to act when national courts cannot or will "
            "not. A referral would be the first step towards putting those most responsible on "
            "trial.</p>"
        ),
        "recipients_line": "Dear [Decision Maker],",
        "body": (
            "<p>I support Physicians for Human Rights, and I am writing because the violence in Syria "
            "troubles me deeply. Killings, rape and torture cannot be tolerated, and the international "
            "community, the United States among it, should use every tool it has to bring the people "
            "who commit them to justice.</p>"
            "<p>Please support H. Res. 229, whose sponsors are Representatives Steve Israel (D-NY) and "
            "Tom Cole (R-OK). The resolution asks the UN Security Council to hand Syria's case to the "
            "International Criminal Court, which could then investigate and prosecute the individuals "
            "behind the worst crimes of this conflict.</p>"
            "<p>Medical workers in Syria have been bombed, arrested and killed for treating the sick "
            "and wounded. When hospitals become targets, entire communities lose their last refuge. "
            "Those attacks must not be written off as the cost of war.</p>"
            "<p>A referral will not end the suffering on its own, but justice for victims cannot begin "
            "without it. I ask you to show US leadership on behalf of the victims of mass atrocities "
            "in Syria by supporting this resolution.</p>"
        ),
        "closing": "Sincerely,",
        "language": "en",
        "status": "open_for_signatures",
        "signature_goal": 15000,
        "deadline": date(2027, 6, 30),
        "lead": "physicians-for-human-rights",
        "co_drafters": [],
        "recipients": [
            {
                "name": "Ruth Okonkwo-Lind",
                "title": "Representative, Minnesota's 4th District",
                "email": "rep.okonkwo-lind@house.example",
                "country": "US",
                "region": "MN",
            },
            {
                "name": "Daniel Brandvold",
                "title": "Representative, Texas's 21st District",
                "email": "rep.brandvold@house.example",
                "country": "US",
                "region": "TX",
            },
        ],
        "hero": {
            "caption": "Attacking hospitals and medical workers is a war crime. The perpetrators must be held to account.",
            "credit": "Coalition demo artwork",
            "palette": ("#17405f", "#4a1c2c"),
        },
        "updates": [],
        "thank_you": (
            "<p>Thank you for taking action. Your representative will hear that constituents want the "
            "United States to stand behind justice for Syria's victims.</p>"
            "<p>Please share this letter so more people can ask their own representatives to support "
            "H. Res. 229.</p>"
        ),
        "related_actions": [
            {
                "title": "Learn about attacks on health care in Syria",
                "url": "https://phr.org/",
                "text": "Physicians for Human Rights documents attacks on medical workers and facilities.",
            },
        ],
        "donate_url": "https://phr.org/",
        "share_text": "Attacks on Syria's hospitals are war crimes. I asked my representative to back H. Res. 229 and an ICC referral. Join me.",
    },
    # 002: Amnesty International global petition, 2011.
    {
        "slug": "stop-the-bloodshed-in-syria",
        "title": "Stop the Bloodshed in Syria",
        "summary": (
            "A global petition to President Bashar al-Assad: end the killings, the torture and the "
            "incommunicado detentions. Signed by 165,953 people and delivered as a 550-page petition "
            "to the President and to Syrian embassies."
        ),
        "introduction": (
            "<p>Since the middle of March, more than 700 people have lost their lives in Syria. "
            "Thousands more are under arrest, and hundreds are held incommunicado, where they face the risk of torture. "
            "Tanks are firing on homes in residential districts, people calling for political reform "
            "are met with force, and families are escaping to Lebanon and other neighbouring "
            "countries.</p>"
            "<p>Amnesty International has asked President Bashar al-Assad again and again to restrain "
            "his security forces, put an end to unlawful killings and torture, and bring those "
            "responsible to justice. The government has instead stepped up its crackdown on people "
            "who keep protesting in spite of the gunfire.</p>"
            "<p>We have also asked the UN Security Council to hand the situation in Syria to the "
            "ICC Prosecutor, as it recently did for Libya. So far the Council has "
            "not acted. Adding your name on its own may feel small. Joined with thousands of others, "
            "from inside Syria and around the world, it becomes a message the authorities cannot "
            "ignore.</p>"
        ),
        "recipients_line": "Dear President al-Assad,",
        "body": (
            "<p>We are writing to you from many countries, in Africa, the Americas, Asia and the "
            "Pacific, Europe and the Middle East, and some of us from inside Syria itself. We are "
            "alarmed by the killings, arrests and abuse that have followed the protests that began in "
            "March.</p>"
            "<p>We call on you to order your security forces to stop using lethal force against "
            "peaceful protesters, and to end the shelling of residential areas. Torture and other "
            "ill-treatment must stop at once.</p>"
            "<p>Everyone held for taking part in peaceful protest should be released. All those "
            "detained must be protected from torture and given access to their families, to lawyers "
            "and to any medical care they need, and no one should be held incommunicado.</p>"
            "<p>Those responsible for unlawful killings, torture and other grave abuses must be held "
            "to account. Until that happens, we will continue to support the call for the Security "
            "Council to place Syria before the ICC Prosecutor.</p>"
            "<p>The world is watching. We ask you to end the bloodshed now.</p>"
        ),
        "closing": "Yours sincerely,",
        "language": "en",
        "status": "delivered",
        "status_since": date(2011, 6, 8),
        "signature_goal": 150000,
        "deadline": None,
        "lead": "amnesty-international",
        "co_drafters": [],
        "recipients": [
            {
                "name": "Bashar al-Assad",
                "title": "President of the Syrian Arab Republic",
                "email": "office@presidency.example",
                "country": "SY",
                "region": "",
            },
            {
                "name": "Embassy of the Syrian Arab Republic in London",
                "title": "Ambassador",
                "email": "embassy.london@example.org",
                "country": "GB",
                "region": "",
            },
            {
                "name": "Embassy of the Syrian Arab Republic in Ottawa",
                "title": "Ambassador",
                "email": "embassy.ottawa@example.org",
                "country": "CA",
                "region": "",
            },
        ],
        "hero": {
            "caption": "From Tunisia to Turkey and from Venezuela to Vietnam, people around the world joined one call: end the bloodshed in Syria.",
            "credit": "Coalition demo artwork",
            "palette": ("#2b2b2b", "#8a6d00"),
        },
        "updates": [
            {
                "date": date(2011, 6, 8),
                "text": (
                    "<p><b>Petition delivered.</b> A total of 165,953 people signed, from every region "
                    "of the world and from inside Syria. The printed petition runs to 550 pages. A copy "
                    "has gone to President al-Assad accompanied by a letter from Salil Shetty, "
                    "Secretary General of Amnesty International, and further copies are being handed in at Syrian "
                    "embassies in many countries so that the authorities cannot overlook it.</p>"
                    "<p>We will keep pressing the Security Council to send Syria's case to the ICC "
                    "Prosecutor without further delay.</p>"
                ),
            },
            {
                "date": date(2011, 5, 2),
                "text": (
                    "<p><b>Petition launched.</b> Amnesty International is asking supporters in every "
                    "country to sign and tell President al-Assad to stop the killing. We will print "
                    "every name and deliver them to the Syrian authorities.</p>"
                ),
            },
        ],
        "thank_you": (
            "<p>Thank you for signing. Your name now stands beside those of people in dozens of "
            "countries, including brave signatories inside Syria.</p>"
            "<p>We will deliver every name to President al-Assad and to Syrian embassies, and keep "
            "urging the UN Security Council to act.</p>"
        ),
        "related_actions": [],
        "donate_url": "",
        "share_text": "I signed Amnesty International's petition telling President al-Assad to stop the bloodshed in Syria. Add your name.",
    },
    # 003: Amnesty International Australia, after the Khan Sheikhoun attack, 2017.
    {
        "slug": "justice-for-khan-sheikhoun",
        "title": "Justice for the Victims of the Khan Sheikhoun Chemical Attack",
        "summary": (
            "On 4 April 2017 a chemical attack on Khan Sheikhoun in Idlib killed more than 70 people. "
            "Ask the Australian Government to push the UN to investigate and to bring those responsible "
            "to justice."
        ),
        "introduction": (
            "<p>On Tuesday 4 April 2017, chemical weapons were used against the town of Khan "
            "Sheikhoun in Idlib province. More than 70 people died and hundreds more were hurt.</p>"
            "<p>The Syrian and Russian authorities deny responsibility, which is exactly why an "
            "independent investigation is needed to establish who did it and bring them to trial. "
            "Government forces and armed groups have used chemical weapons against civilians several "
            "times since 2013, and not one person has been held to account.</p>"
            "<p>The war has killed hundreds of thousands of people and forced more than half of "
            "Syria's population to flee, within the country or beyond it. While those who commit "
            "these crimes stay beyond the law's reach, the attacks will keep coming. Victims and "
            "their families deserve justice and reparation.</p>"
            "<p>Australia should give its full backing to a UN Security Council resolution for an "
            "immediate investigation of this attack.</p>"
        ),
        "recipients_line": "Dear Foreign Minister Bishop and Prime Minister Turnbull,",
        "body": (
            "<p>I am writing after the chemical attack on Khan Sheikhoun on 4 April 2017, which "
            "killed more than 70 people, many of them children, and injured hundreds.</p>"
            "<p>Chemical weapons have been used against Syrian civilians again and again since 2013, "
            "and still no one has been prosecuted. Every attack that goes unpunished makes the next "
            "one more likely.</p>"
            "<p>I urge you to call on the United Nations to put its new mechanism for assisting the "
            "investigation of war crimes in Syria to work without delay, and to press for the "
            "prosecution of those suspected of war crimes and crimes against humanity, so that they "
            "face justice.</p>"
            "<p>Australia should also give its strong support to a Security Council resolution that "
            "allows investigators on the ground in Khan Sheikhoun. The victims and their families "
            "are owed the truth, justice and reparation.</p>"
        ),
        "closing": "Yours sincerely,",
        "language": "en",
        "status": "closed",
        "signature_goal": 20000,
        "deadline": None,
        "lead": "amnesty-international-australia",
        "co_drafters": [],
        "recipients": [
            {
                "name": "Julie Bishop",
                "title": "Minister for Foreign Affairs",
                "email": "foreign.minister@parliament.example",
                "country": "AU",
                "region": "WA",
            },
            {
                "name": "Malcolm Turnbull",
                "title": "Prime Minister of Australia",
                "email": "prime.minister@parliament.example",
                "country": "AU",
                "region": "NSW",
            },
        ],
        "hero": {
            "caption": "Khan Sheikhoun, Idlib province: no one has yet answered for the chemical attack of 4 April 2017.",
            "credit": "Coalition demo artwork",
            "palette": ("#3a3a3a", "#a07d00"),
        },
        "updates": [
            {
                "date": date(2017, 12, 7),
                "text": (
                    "<p>The UN Security Council has still not referred Syria to the ICC Prosecutor. "
                    "There has been progress elsewhere, though: the "
                    "International, Impartial and Independent Mechanism has been set up to help "
                    "investigate and prosecute the most serious crimes under international law "
                    "committed in Syria since March 2011. It gives new hope that the crimes Amnesty "
                    "International has documented will be investigated and the perpetrators tried.</p>"
                ),
            },
            {
                "date": date(2017, 4, 10),
                "text": (
                    "<p>On Thursday the United States launched airstrikes on a Syrian army airbase in "
                    "Homs province. The strikes came three days after the chemical attack in Idleb province that has now claimed "
                    "more than 80 civilian lives. Amnesty International reminds US forces that any "
                    "military action must respect international humanitarian law, take every possible "
                    "precaution to spare civilians, and never use banned weapons such as cluster "
                    "munitions. In Iraq and Syria, recent strikes by the US-led coalition have already killed "
                    "hundreds of civilians, many of them women and children sheltering at home.</p>"
                    "<p>For six years the Security Council has failed Syria's civilians, and every "
                    "party to the conflict has taken that as licence to commit terrible crimes. Member "
                    "states must now agree a resolution that secures an investigation on the ground in "
                    "Khan Sheikhoun and opens the way to prosecutions.</p>"
                ),
            },
        ],
        "thank_you": (
            "<p>Thank you for adding your voice. If no one is held accountable, attacks like the one on "
            "Khan Sheikhoun will happen again.</p>"
            "<p>A donation helps us keep working so that those who commit war crimes in Syria are made to answer for them.</p>"
        ),
        "related_actions": [
            {
                "title": "Australia: offer safety to 30,000 people who need urgent protection",
                "url": "https://www.amnesty.org.au/",
                "text": "Ask the Australian Government to make room for 30,000 refugees in urgent need of protection.",
            },
        ],
        "donate_url": "https://www.amnesty.org.au/",
        "share_text": "Chemical weapons killed more than 70 people in Khan Sheikhoun. I asked the Australian Government to demand justice. Will you?",
    },
    # 004: a coalition letter from Syrian human rights groups to the President, 2022.
    {
        "slug": "syria-cannot-wait-letter-to-the-president",
        "title": "Syria Cannot Wait: A Letter to the President",
        "summary": (
            "Over 30 Syrian human rights groups are urging President Biden to act on "
            "bombing, mass detention and impunity in Syria. Sign alongside them."
        ),
        "introduction": (
            "<p>Syria has reached a turning point. The world's media and many governments have grown "
            "used to the suffering of its civilians. If Washington looks away from the regime's "
            "bombs and torture chambers, Assad and other governments with appalling human rights "
            "records will take it as permission.</p>"
            "<p>Some states are already threatening to send refugees back to Syria, where they face "
            "arbitrary arrest or worse.</p>"
            "<p>So over 30 Syrian human rights groups have now sent a letter to President Biden, asking "
            "him to stand by a people who have suffered for more than a decade. Their letter, with "
            "its full list of demands, is below. Add your name so the White House knows the public "
            "stands with them.</p>"
        ),
        "recipients_line": "Dear Mr. President,",
        "body": (
            "<p>We are Syrian human rights organizations and groups of victims' families, and we are "
            "writing to ask you to act. In 2022 the Syrian regime and Russia are still dropping bombs "
            "on civilians who are also enduring the COVID pandemic. Over 100,000 people "
            "remain arbitrarily detained and subjected to terrible torture, and millions are still "
            "displaced, many in desperate camps.</p>"
            "<p>Over 350,000 civilians have lost their lives since 2011, and 7 million have fled "
            "the country. Yet your administration has said little about these abuses, and little as some "
            "of America's own partners move to restore ties with the Assad government.</p>"
            "<p>The United States still has real power to protect Syrians and prevent further "
            "atrocities. We ask you to:</p>"
            "<ul>"
            "<li>use the US seat on the UN Security Council to press Assad and his backers to stop "
            "attacking civilians and to release detainees;</li>"
            "<li>make clear to US partners in the Middle East that rehabilitating the regime carries a "
            "cost;</li>"
            "<li>lead and support war crimes prosecutions, building on the court cases now under way "
            "in Europe;</li>"
            "<li>oppose any forced return of refugees to Syria while arbitrary detention and torture "
            "continue.</li>"
            "</ul>"
            "<p>This January, families of the detained stood outside a court in Germany as a senior "
            "figure of the Syrian regime was convicted. That verdict shows that justice is possible "
            "when governments choose to pursue it.</p>"
            "<p>We urge your administration to show that the United States remains committed to "
            "human rights in Syria and to justice for Syrians.</p>"
        ),
        "closing": "Respectfully,",
        "language": "en",
        "status": "open_for_signatures",
        "signature_goal": 25000,
        "deadline": date(2027, 3, 31),
        "lead": "families-for-freedom",
        "co_drafters": [
            "orontes-legal-aid-collective",
            "lanternwell-documentation-centre",
            "threadline-detainee-support-network",
            "fieldlight-medics-for-accountability",
            "almond-gate-womens-justice-circle",
            "homeward-watch-for-refugee-rights",
        ],
        "recipients": [
            {
                "name": "Joseph R. Biden Jr.",
                "title": "President of the United States",
                "email": "president@whitehouse.example",
                "country": "US",
                "region": "",
            },
        ],
        "hero": {
            "caption": "Families for Freedom outside a landmark trial in Germany in January 2022, where a senior Syrian regime official was convicted.",
            "credit": "Coalition demo artwork, standing in for a photograph by Families for Freedom",
            "palette": ("#7a1f3d", "#1d2a44"),
        },
        "updates": [],
        "thank_you": (
            "<p>Thank you for signing. Your name now stands with the families of Syria's detained and "
            "disappeared and more than 30 Syrian human rights groups.</p>"
            "<p>Please share the letter: the more people sign, the harder it is for the White House to "
            "stay silent.</p>"
        ),
        "related_actions": [
            {
                "title": "Stand with the families of Syria's detained",
                "url": "https://syrianfamilies.org/",
                "text": "Learn about Families for Freedom and their campaign for detainees and the disappeared.",
            },
        ],
        "donate_url": "",
        "share_text": "Over 30 Syrian human rights groups have asked President Biden to act on Syria. I signed with them. Add your name.",
    },
]

# Organizations that signed on to the coalition letter (004) through the public form:
# invented names standing in for the "over 30 Syrian human rights groups" the real
# letter counted. (name, website, country, kind, colour, display)
ENDORSERS = [
    ("Aleppo Memory Project", "https://aleppo-memory.example/", "TR", "academic", "#24415e", "public"),
    ("Barada Human Rights Forum", "https://barada-forum.example/", "LB", "ngo", "#5a2d0c", "public"),
    ("Cedar Shore Refugee Legal Clinic", "https://cedar-shore.example/", "LB", "legal", "#1f4d3a", "public"),
    ("Dawn Witness Collective", "https://dawn-witness.example/", "DE", "media", "#4a235a", "public"),
    ("Euphrates Families Association", "https://euphrates-families.example/", "SY", "grassroots", "#7b341e", "public"),
    ("Free Voices Radio Network", "https://free-voices.example/", "FR", "media", "#1b3b6f", "public"),
    ("Ghouta Survivors Union", "https://ghouta-survivors.example/", "SY", "grassroots", "#6d2e46", "public"),
    ("Hama Lawyers in Exile", "https://hama-lawyers.example/", "SE", "legal", "#2f4f4f", "public"),
    ("Idlib Health Workers Alliance", "https://idlib-health.example/", "TR", "professional", "#0b5563", "public"),
    ("Jasmine Route Migrant Aid", "https://jasmine-route.example/", "GR", "ngo", "#5e3023", "public"),
    ("Khabur Cultural Heritage Watch", "https://khabur-heritage.example/", "NL", "academic", "#3d405b", "public"),
    ("Latakia Coast Civic Forum", "https://latakia-civic.example/", "CY", "network", "#264653", "public"),
    ("Mothers of the Disappeared Circle", "https://mothers-circle.example/", "DE", "grassroots", "#6a040f", "public"),
    ("Nawa Press Freedom Centre", "https://nawa-press.example/", "JO", "media", "#283618", "public"),
    ("Olive Branch Interfaith Council", "https://olive-branch.example/", "GB", "faith", "#3a5a40", "public"),
    ("Palmyra Open Archive", "https://palmyra-archive.example/", "BE", "academic", "#4b3869", "public"),
    ("Qamishli Youth Rights Initiative", "https://qamishli-youth.example/", "IQ", "grassroots", "#7f4f24", "public"),
    ("Raqqa Reconstruction Watch", "https://raqqa-watch.example/", "TR", "ngo", "#1d3557", "public"),
    ("Sham Detainee Legal Network", "https://sham-legal.example/", "FR", "legal", "#582f0e", "public"),
    ("Tartus Teachers for Rights", "https://tartus-teachers.example/", "CA", "professional", "#14213d", "public"),
    ("Umayyad Square Students Union", "https://umayyad-students.example/", "US", "grassroots", "#5f0f40", "public"),
    ("Wadi Rights Documentation Group", "https://wadi-rights.example/", "JO", "ngo", "#2b2d42", "public"),
    ("Inside-Syria Monitoring Team", "https://inside-monitor.example/", "SY", "ngo", "#333333", "undisclosed"),
    (
        "Northern Countryside Relief Committee",
        "https://north-relief.example/",
        "SY",
        "grassroots",
        "#444444",
        "undisclosed",
    ),
]
# Signed on through the public form and confirmed, waiting for an editor's review.
ENDORSERS_PENDING_REVIEW = [
    ("Yarmouk Camp Solidarity Group", "https://yarmouk-solidarity.example/", "LB", "grassroots", "#3c1642", "public"),
]
ENDORSED_LETTER = "syria-cannot-wait-letter-to-the-president"
# Invented people who sign for the demo organizations.
CONTACT_NAMES = [
    "Rasha Halabi",
    "Omar Sayegh",
    "Lina Darwish",
    "Yousef Kanaan",
    "Nour Tabbaa",
    "Karim Mansour",
    "Huda Zein",
    "Samir Aboud",
    "Maya Khoury",
    "Fadi Nasser",
    "Dana Jaber",
]
CONTACT_TITLES = ["Executive Director", "Coordinator", "Chair of the Board", "Director", "Spokesperson"]

# Demo signers: invented names in the scripts the real petitions drew (Latin, Arabic,
# Cyrillic, Greek, Devanagari, Chinese), spread over the countries those campaigns
# reached. Each signing letter gets DEMO_SIGNATURES[slug] confirmed signatures; about
# one in three chose to show their name.
SIGNER_FIRST_NAMES = [
    "Amina", "Yusuf", "Layla", "Omar", "Hana", "Karim", "Rania", "Sami", "Nour", "Tariq",
    "Claire", "Mateo", "Ingrid", "Tomás", "Aoife", "Lukas", "Priya", "Arjun", "Mei", "Wei",
    "Olena", "Dmitri", "Eleni", "Nikos", "Zeynep", "Emre", "Chiara", "Kofi", "Ama", "Sipho",
    "ليلى", "يوسف", "مريم", "خالد", "Анна", "Иван", "Μαρία", "Γιώργος", "अनीता", "राहुल", "李娜", "王伟",
]  # fmt: skip
SIGNER_LAST_NAMES = [
    "Haddad", "Khalil", "Nasser", "Saleh", "Darwish", "Mansour", "Aziz", "Barakat", "Hamdan", "Issa",
    "Dubois", "García", "Larsen", "Ó Briain", "Becker", "Sharma", "Patel", "Chen", "Zhang", "Kovalenko",
    "Petrov", "Papadopoulou", "Yılmaz", "Rossi", "Mensah", "Dlamini", "Novák", "Silva", "Kowalska", "Tanaka",
    "الحسن", "العلي", "Смирнова", "Παππάς", "वर्मा", "刘",
]  # fmt: skip
SIGNER_PLACES = [
    ("TR", "Gaziantep"), ("TR", "Istanbul"), ("TN", "Tunis"), ("CA", "Montréal"), ("CA", "Toronto"),
    ("CZ", "Praha"), ("GB", "London"), ("FR", "Lyon"), ("DE", "Berlin"), ("US", "Chicago"),
    ("US", "Austin"), ("LB", "Beirut"), ("JO", "Amman"), ("SE", "Malmö"), ("NL", "Utrecht"),
    ("AU", "Melbourne"), ("IN", "Pune"), ("GR", "Athens"), ("UA", "Kyiv"), ("GH", "Accra"),
    ("ZA", "Cape Town"), ("BR", "Recife"), ("SY", "Idlib"), ("EG", "Cairo"), ("TW", "Taipei"),
]  # fmt: skip
DEMO_SIGNATURES = {
    "refer-syria-to-the-icc-senate": 240,
    "justice-for-victims-of-atrocities-in-syria": 380,
    "stop-the-bloodshed-in-syria": 900,
    "justice-for-khan-sheikhoun": 260,
    "syria-cannot-wait-letter-to-the-president": 420,
}
# Organizations whose signers see a "keep me informed" box on the letters they lead.
ASKS_SIGNER_CONSENT = ["amnesty-international", "amnesty-international-australia", "physicians-for-human-rights"]

# The coalition letter (004) in Arabic and French, published as its translations by
# demo_load. Written for Coalition; the HTML keeps the English body's paragraphs and list.
# The French text follows French typography: a no-break space (U+00A0) before : and ;
# and between the thousands of a number.
TRANSLATIONS = {
    ENDORSED_LETTER: {
        "ar": {
            "title": "سوريا لا تحتمل الانتظار: رسالة إلى الرئيس",
            "summary": (
                "أكثر من 30 منظمة سورية لحقوق الإنسان تحثّ الرئيس بايدن على التحرك في مواجهة "
                "القصف والاعتقال الجماعي والإفلات من العقاب في سوريا. أضف اسمك إلى جانبها."
            ),
            "introduction": (
                "<p>بلغت سوريا منعطفًا حاسمًا. فقد اعتادت وسائل الإعلام في العالم وحكومات كثيرة "
                "معاناةَ المدنيين فيها. وإذا غضّت واشنطن الطرف عن قنابل النظام وأقبية التعذيب لديه، "
                "فسيرى الأسد وسائر الحكومات ذات السجلات المروّعة في مجال حقوق الإنسان في ذلك ضوءًا أخضر.</p>"
                "<p>وها هي بعض الدول تهدّد منذ الآن بإعادة اللاجئين إلى سوريا، حيث ينتظرهم الاعتقال "
                "التعسفي أو ما هو أسوأ منه.</p>"
                "<p>لذلك وجّهت أكثر من 30 منظمة سورية لحقوق الإنسان رسالةً إلى الرئيس بايدن، تطالبه فيها "
                "بالوقوف إلى جانب شعبٍ يعاني منذ أكثر من عقد. وتجد أدناه نص الرسالة وقائمة مطالبها كاملة. "
                "أضف اسمك ليعلم البيت الأبيض أن الرأي العام يقف معها.</p>"
            ),
            "recipients_line": "فخامة الرئيس،",
            "body": (
                "<p>نحن منظمات سورية لحقوق الإنسان ومجموعات من عائلات الضحايا، ونكتب إليكم لنطلب منكم "
                "التحرك. ففي عام 2022، لا يزال النظام السوري وروسيا يُلقيان القنابل على مدنيين يرزحون في "
                "الوقت نفسه تحت وطأة جائحة كوفيد. ولا يزال أكثر من 100 ألف شخص رهن الاعتقال التعسفي "
                "ويتعرّضون لتعذيب مروّع، فيما لا يزال الملايين نازحين، يعيش كثيرون منهم في مخيمات بائسة.</p>"
                "<p>لقد فقد أكثر من 350 ألف مدني حياتهم منذ عام 2011، وفرّ 7 ملايين شخص من البلاد. "
                "ومع ذلك لم تقل إدارتكم إلا القليل عن هذه الانتهاكات، ولم تقل إلا القليل كذلك فيما "
                "يسعى بعض شركاء أمريكا أنفسهم إلى إعادة العلاقات مع حكومة الأسد.</p>"
                "<p>لا تزال الولايات المتحدة تملك قدرة حقيقية على حماية السوريين ومنع وقوع مزيد من "
                "الفظائع. ونطلب منكم:</p>"
                "<ul>"
                "<li>استخدام مقعد الولايات المتحدة في مجلس الأمن الدولي للضغط على الأسد وداعميه كي يكفّوا "
                "عن مهاجمة المدنيين ويُفرجوا عن المعتقلين؛</li>"
                "<li>إبلاغ شركاء الولايات المتحدة في الشرق الأوسط بوضوح أن لإعادة تأهيل النظام ثمنًا؛</li>"
                "<li>قيادة جهود الملاحقة القضائية لمرتكبي جرائم الحرب ودعمها، والبناء على المحاكمات الجارية "
                "حاليًا في أوروبا؛</li>"
                "<li>معارضة أي إعادة قسرية للاجئين إلى سوريا ما دام الاعتقال التعسفي والتعذيب مستمرَّين.</li>"
                "</ul>"
                "<p>في كانون الثاني/يناير من هذا العام، وقفت عائلات المعتقلين أمام محكمة في ألمانيا فيما "
                "صدر حكم بإدانة مسؤول رفيع في النظام السوري. ويُثبت هذا الحكم أن العدالة ممكنة حين تختار "
                "الحكومات السعي إليها.</p>"
                "<p>إننا نحثّ إدارتكم على أن تُظهر أن الولايات المتحدة لا تزال ملتزمة بحقوق الإنسان في "
                "سوريا وبالعدالة للسوريين.</p>"
            ),
            "closing": "مع فائق الاحترام والتقدير،",
            "share_text": (
                "طالبت أكثر من 30 منظمة سورية لحقوق الإنسان الرئيس بايدن بالتحرك من أجل سوريا. "
                "وقّعتُ معها. أضف اسمك أنت أيضًا."
            ),
        },
        "fr": {
            "title": "La Syrie ne peut plus attendre : lettre au président",
            "summary": (
                "Plus de 30 organisations syriennes de défense des droits humains exhortent le président "
                "Biden à agir contre les bombardements, la détention de masse et l'impunité en Syrie. "
                "Signez à leurs côtés."
            ),
            "introduction": (
                "<p>La Syrie est à un tournant. Les médias du monde entier et de nombreux gouvernements se "
                "sont habitués à la souffrance de sa population civile. Si Washington détourne le regard des "
                "bombes du régime et de ses chambres de torture, Assad et d'autres gouvernements au bilan "
                "effroyable en matière de droits humains y verront un feu vert.</p>"
                "<p>Certains États menacent déjà de renvoyer des réfugiés en Syrie, où ils s'exposent à une "
                "arrestation arbitraire, voire pire.</p>"
                "<p>Plus de 30 organisations syriennes de défense des droits humains viennent donc d'adresser "
                "une lettre au président Biden pour lui demander de se tenir aux côtés d'un peuple qui souffre "
                "depuis plus de dix ans. Vous trouverez ci-dessous leur lettre et la liste complète de leurs "
                "demandes. Ajoutez votre nom pour que la Maison-Blanche sache que le public les soutient.</p>"
            ),
            "recipients_line": "Monsieur le Président,",
            "body": (
                "<p>Nous sommes des organisations syriennes de défense des droits humains et des collectifs de "
                "familles de victimes, et nous vous écrivons pour vous demander d'agir. En 2022, le régime "
                "syrien et la Russie continuent de larguer des bombes sur des civils qui subissent en outre la "
                "pandémie de COVID. Plus de 100 000 personnes sont toujours détenues arbitrairement et soumises "
                "à d'atroces tortures, et des millions de personnes sont toujours déplacées, nombre d'entre "
                "elles dans des camps aux conditions désespérées.</p>"
                "<p>Plus de 350 000 civils ont perdu la vie depuis 2011, et 7 millions de personnes ont fui le "
                "pays. Pourtant, votre administration s'est peu exprimée sur ces violations, et tout aussi peu "
                "alors que certains partenaires des États-Unis eux-mêmes s'emploient à rétablir leurs relations "
                "avec le gouvernement Assad.</p>"
                "<p>Les États-Unis ont encore un réel pouvoir de protéger les Syriens et d'empêcher de nouvelles "
                "atrocités. Nous vous demandons de :</p>"
                "<ul>"
                "<li>utiliser le siège des États-Unis au Conseil de sécurité de l'ONU pour presser Assad et ses "
                "soutiens de cesser d'attaquer les civils et de libérer les détenus ;</li>"
                "<li>faire clairement savoir aux partenaires des États-Unis au Moyen-Orient que la "
                "réhabilitation du régime aura un prix ;</li>"
                "<li>mener et soutenir des poursuites pour crimes de guerre, en s'appuyant sur les procès "
                "actuellement en cours en Europe ;</li>"
                "<li>vous opposer à tout retour forcé de réfugiés en Syrie tant que la détention arbitraire et "
                "la torture se poursuivent.</li>"
                "</ul>"
                "<p>En janvier dernier, des familles de détenus se tenaient devant un tribunal en Allemagne au "
                "moment où un haut responsable du régime syrien était condamné. Ce verdict montre que la justice "
                "est possible lorsque les gouvernements décident de s'y employer.</p>"
                "<p>Nous exhortons votre administration à montrer que les États-Unis restent attachés aux droits "
                "humains en Syrie et à la justice pour les Syriens.</p>"
            ),
            "closing": "Veuillez agréer, Monsieur le Président, l'expression de notre très haute considération.",
            "share_text": (
                "Plus de 30 organisations syriennes de défense des droits humains ont demandé au président "
                "Biden d'agir pour la Syrie. J'ai signé avec elles. Ajoutez votre nom."
            ),
        },
    },
}
