"""Facts a reply states, by meaning rather than by cue word, in nl/en/de/fr. Pure.

A debtor rarely writes "I dispute"; they write that the radiator leaks, that half the order
is missing, that the money left their account on Tuesday. Each concept below is a family of
such phrasings (general language, not copied from any corpus message); the learned model
decides what a concept means in context. Patterns are written in natural spelling and folded
like the text (no accents, ae/oe/ue → a/o/u), so "überwiesen", "ueberwiesen" and
"uberwiesen" all match. A concept with a negator just before it becomes "!concept".
"""

from __future__ import annotations

import re

from parsers.replies.features import NEGATORS, fold

_RAW: dict[str, tuple[str, ...]] = {
    "money_gone": (
        r"(left|gone from|went out of|debited from|taken from|out of) (my|our) (bank )?account",
        r"\bwent out\b", r"payment (went|has gone|is on its way)", r"\bdebited\b",
        r"(transfer|payment) (was|has been|had been) (made|sent|done|executed|initiated)",
        r"van (onze|mijn) rekening", r"afgeschreven", r"de deur uit", r"is overgemaakt",
        r"(reeds|al|inmiddels) (betaald|overgemaakt|voldaan)", r"abgebucht", r"ist raus",
        r"(konto|account) verlassen", r"(bereits|schon) (bezahlt|uberwiesen|beglichen|angewiesen)",
        r"(zahlung|uberweisung) (ist|wurde) (bereits |schon )?(erfolgt|veranlasst|ausgefuhrt)",
        r"debite", r"(virement|paiement) (est parti|a ete (effectue|emis|execute|envoye))",
        r"(deja|bien) (paye|regle|vire)", r"nous avons (paye|regle|vire|effectue)",
    ),
    "proof": (
        r"see attach", r"attached", r"proof of payment", r"remittance", r"bank statement",
        r"\bbijlage\b", r"betaalbewijs", r"bankafschrift", r"anhang", r"zahlungsnachweis",
        r"kontoauszug", r"\bbeleg\b", r"ci-joint", r"piece jointe", r"preuve", r"justificatif",
        r"avis de virement", r"releve",
    ),
    "already": (r"\balready\b", r"\binmiddels\b", r"\breeds\b", r"\bbereits\b", r"\bdeja\b"),
    "defect": (
        r"\bleak", r"\blekt\b", r"lekkage", r"\bbroken\b", r"\bkapot", r"\bdefect",
        r"(does ?n[o']?t|not|never) work", r"stopped working", r"werkt (nog steeds )?niet",
        r"undicht", r"tropft", r"kaputt", r"funktioniert (immer noch |noch )?nicht",
        r"\bfuit\b", r"\bfuite", r"en panne", r"ne (marche|fonctionne) (toujours )?pas",
        r"\bnoise\b", r"lawaai", r"gerausch", r"\bbruit\b", r"\bdamage", r"beschadig",
        r"beschadigt", r"abime", r"schade", r"\bkrass", r"scratch", r"rayure", r"\bcold\b",
        r"\bkoud\b", r"\bkalt\b", r"\bfroid\b", r"\bschimmel", r"moisissure",
    ),
    "still_not": (
        r"still (not|no|waiting|hasn)", r"nog (steeds|altijd) (niet|geen|wachten)",
        r"immer noch (nicht|kein|warten)", r"noch (nicht|immer nicht)", r"toujours pas",
        r"toujours (en attente|attendre)", r"wachten (nog|nog steeds) op", r"warten (noch|immer noch) auf",
        r"nobody (has )?(come|came)", r"niemand (is )?(geweest|gekomen)", r"niemand (ist )?gekommen",
        r"personne n'est (venu|passe)",
    ),
    "incomplete": (
        r"back ?order", r"not (yet )?(been )?(delivered|finished|completed|installed|fitted)",
        r"(second|other|remaining) half", r"rest of the (order|work|job)", r"\bincomplete\b",
        r"niet (volledig|compleet|geleverd|afgerond|af)\b", r"tweede (helft|deel)",
        r"restant van de", r"onvolledig", r"nicht (vollstandig|komplett|geliefert|fertig)",
        r"(zweite|andere) halfte", r"unvollstandig", r"pas (encore )?(livre|termine|fini|installe)",
        r"(seconde|deuxieme) (moitie|partie)", r"incomplet", r"manque", r"fehlt", r"ontbreekt",
        r"missing", r"once everything", r"wenn alles", r"zodra alles", r"une fois (que )?tout",
    ),
    "price": (
        r"\bquote\b", r"quotation", r"estimate", r"\bagreed\b", r"fixed (price|fee)",
        r"\boverprice", r"too (much|many|high|expensive)", r"instead of", r"\bextra\b",
        r"offerte", r"afgesproken", r"vaste prijs", r"te (veel|hoog|duur)", r"in plaats van",
        r"angebot", r"vereinbart", r"ausgemacht", r"festpreis", r"pauschal", r"zu (viel|hoch|teuer)",
        r"statt\b", r"\bdevis\b", r"convenu", r"prix (fixe|forfaitaire)", r"forfait",
        r"trop (cher|eleve)", r"au lieu de", r"(hours|uur|uren|stunden|heures)\b",
        r"\bonly\b", r"\bslechts\b", r"\bmaar \d", r"\bnur\b", r"seulement",
    ),
    "not_ours": (
        r"never (ordered|asked|requested|agreed)", r"not (our|my) (order|job|invoice)", r"\bnot ours\b",
        r"wrong (person|company|address|customer)", r"nooit (besteld|gevraagd|opdracht)",
        r"niet (van ons|aan ons|besteld)", r"verkeerde (persoon|adres|klant)",
        r"nie (bestellt|beauftragt)", r"nicht (bestellt|beauftragt|von uns)", r"falsche(n|r)? (adresse|firma|person)",
        r"jamais command", r"pas command", r"ne (nous|me) concerne pas", r"mauvais(e)? (adresse|client|personne)",
        r"landlord", r"verhuurder", r"vermieter", r"proprietaire", r"tenant", r"huurder", r"mieter",
        r"locataire",
    ),
    "credit_note": (
        r"credit ?note", r"refund", r"returned", r"sent back", r"creditnota", r"creditfactuur",
        r"retour", r"teruggestuurd", r"terugbetal", r"gutschrift", r"zuruckgeschickt", r"retoure",
        r"ruckerstattung", r"\bavoir\b", r"note de credit", r"rembourse", r"renvoye",
    ),
    "conditional_pay": (
        r"(pay|settle).{0,40}\b(once|when|as soon as|after)\b",
        r"\b(once|when|as soon as|after)\b.{0,60}\b(pay|settle)",
        r"(zodra|wanneer|als|pas als|nadat).{0,60}(betal|voldo|overmak)",
        r"(betal|voldo|overmak).{0,40}(zodra|wanneer|pas als|nadat)",
        r"(sobald|wenn|erst wenn|nachdem).{0,60}(zahl|uberweis|beglei)",
        r"(zahl|uberweis|beglei).{0,40}(sobald|erst wenn|erst nach)",
        r"(des que|lorsque|quand|une fois|apres).{0,60}(pai|pay|regl|vir)",
        r"(pai|pay|regl|vir).{0,40}(des que|lorsque|une fois|apres)",
    ),
    "copy": (
        r"\bcopy\b", r"\bre-?send\b", r"send (it|the invoice|us|me).{0,20}again", r"\bpdf\b",
        r"can'?t find", r"cannot find", r"never (received|got)", r"\bkopie\b", r"opnieuw (sturen|mailen|toesturen)",
        r"nog(maals| een keer| eens)", r"niet (ontvangen|gevonden|aangekomen)", r"kan .{0,20}niet vinden",
        r"nochmal", r"noch einmal", r"erneut", r"nicht (erhalten|gefunden|vor)", r"liegt .{0,10}nicht vor",
        r"find .{0,15}nicht", r"copie", r"duplicata", r"renvoy", r"pas recu", r"jamais recu",
        r"retrouve (plus|pas)",
    ),
    "document": (
        r"work ?order", r"\bsigned\b", r"delivery note", r"purchase order", r"\bpo\b", r"\bp\.o\.",
        r"order number", r"reference number", r"cost cent", r"vendor", r"supplier (form|registration|number)",
        r"w-?9", r"vat number", r"werkbon", r"getekend", r"ondertekend", r"pakbon", r"inkooporder",
        r"bestelnummer", r"ordernummer", r"kostenplaats", r"btw-?nummer", r"leveranciers",
        r"arbeitsbericht", r"arbeitsschein", r"unterschrieben", r"lieferschein", r"bestellnummer",
        r"kostenstelle", r"ust-?id", r"lieferanten", r"bon de (travail|commande|livraison)",
        r"\bsigne\b", r"numero de commande", r"tva intracom", r"fournisseur",
    ),
    "readdress": (
        r"addressed to", r"(in|on|to) the name of", r"billing address", r"invoice address",
        r"(our|the) (company|ltd|limited|gmbh|bv)\b.{0,20}instead", r"not (to )?me (personally|privately)",
        r"tenaamstelling", r"op naam van", r"factuuradres", r"adres (aanpassen|wijzigen|klopt)",
        r"ausstellen", r"rechnungsadresse", r"auf (die|unsere) (firma|gmbh)", r"privat",
        r"au nom de", r"adresse de facturation", r"libelle", r"personnellement",
    ),
    "bank_question": (
        r"which (account|iban|bank)", r"bank details", r"\biban\b", r"account number",
        r"rekeningnummer", r"welk(e)? rekening", r"bankverbindung", r"welche(s)? konto", r"\brib\b",
        r"coordonnees bancaires", r"quel compte",
    ),
    "method": (
        r"credit ?card", r"debit card", r"by card", r"paypal", r"\bcash\b", r"cheque", r"check\b",
        r"creditcard", r"pinnen", r"contant", r"tikkie", r"kreditkarte", r"\bbar\b", r"lastschrift",
        r"carte (bancaire|de credit|bleue)", r"especes", r"par carte",
    ),
    "instalments": (
        r"\bsplit\b", r"\bspread\b", r"instal+ments?", r"in (two|three|four|2|3|4|\d+) (parts|payments|goes)",
        r"(per|a|each|every) month", r"monthly", r"\bover (two|three|four|six|\d+) months",
        r"termijn", r"gespreid", r"in (twee|drie|vier|\d+) (delen|keer)", r"(per|elke|iedere) maand",
        r"maandelijks", r"afbetal", r"\braten\b", r"ratenzahlung", r"monatlich", r"(jeden|pro) monat",
        r"teilzahlung", r"in (zwei|drei|vier|\d+) (teilen|raten)", r"plusieurs (fois|versements)",
        r"echelonn", r"mensualit", r"(chaque|par) mois", r"en (deux|trois|quatre|\d+) fois",
        r"\betal(er|ement)\b",
    ),
    "insolvent": (
        r"liquidat", r"administrat(or|ion)", r"\breceiver", r"insolven", r"bankrupt", r"\bcurator\b",
        r"faillis", r"failliet", r"surseance", r"bewindvoer", r"schuldsaner", r"schuldhulp",
        r"\bwsnp\b", r"minnelijk", r"gerechtelijke reorganisatie", r"\bwco\b", r"konkurs",
        r"insolvenzverwalter", r"sachwalter", r"sanierungsverfahren", r"privatinsolvenz",
        r"faillite", r"redressement", r"mandataire", r"sauvegarde", r"surendettement",
        r"reorganisation judiciaire", r"curateur", r"\btribunal\b", r"rechtbank", r"amtsgericht",
        r"\bgericht\b", r"\bcourt\b",
    ),
    "forward": (
        r"forward", r"passed (it )?on", r"colleague", r"doorgestuurd", r"doorgezet", r"doorgegeven",
        r"collega", r"weitergeleitet", r"weitergegeben", r"kolleg", r"vertretung", r"transmis",
        r"transfere", r"collegue", r"(will|shall) (contact|get back|be in touch)",
        r"neemt .{0,20}contact", r"(meldet|melden) sich", r"vous (re)?contacter",
        r"no longer (work|employed)", r"niet meer (werkzaam|in dienst)", r"nicht mehr (bei|tatig)",
        r"ne (travaille|fait) plus",
    ),
    "salary": (
        r"salar", r"\bwages?\b", r"\bpayday\b", r"\bloon\b", r"uitkering", r"gehalt", r"\blohn\b",
        r"salaire", r"\bpaie\b",
    ),
    "vague_time": (
        r"\basap\b", r"as soon as (possible|we can|i can)", r"\bsoon\b", r"shortly", r"binnenkort",
        r"zsm", r"zo (snel|spoedig) mogelijk", r"\bbald\b", r"demnachst", r"schnellstmoglich",
        r"so schnell wie", r"bientot", r"au plus vite", r"des que possible", r"rapidement",
    ),
    "future_pay": (
        r"(will|'ll|going to|shall) (pay|settle|transfer|make the payment|send the money)",
        r"(we|i) (pay|settle|transfer) (it |this |the )?(on|by|before|next|after|in)\b",
        r"(zal|zullen|gaan|ga|wordt|worden) .{0,30}(betaald|overgemaakt|voldaan|betalen|overmaken|voldoen)",
        r"(betalen|betaal|maken|maak) .{0,20}(we|wij|ik) .{0,30}(over|voor|na|op|binnen)",
        r"(werde|werden|wird) .{0,30}(zahlen|uberweisen|begleichen|bezahlt|uberwiesen|beglichen)",
        r"(zahle|zahlen|uberweise|uberweisen) .{0,20}(ich|wir) .{0,30}(bis|am|nach|in|vor)",
        r"\berfolgt\b .{0,30}(am|bis|in|nach|kw)", r"\b(i|ich) zahl\b",
        r"(paierai|paierons|reglerai|reglerons|virerai|virerons|procederons|procederai|effectuerons|effectuerai)",
        r"(sera|seront) (paye|regle|vire|effectue)", r"(vais|allons) (payer|regler|virer|proceder)",
    ),
    "question": (r"\?",),
    "away": (
        r"out of (the )?office", r"on (annual )?leave", r"holiday", r"vacation", r"back (on|in the office)",
        r"afwezig", r"met vakantie", r"verlof", r"terug op", r"weer aanwezig", r"abwesend", r"urlaub",
        r"wieder (im buro|erreichbar|da)", r"zuruck am", r"absent", r"en conge", r"de retour",
    ),
    "automatic": (
        r"automatic", r"auto-?generated", r"do not reply", r"no-?reply", r"ticket", r"\bcase (number|id)\b",
        r"automatisch", r"niet beantwoorden", r"nicht (darauf )?antworten", r"automatique",
        r"ne pas repondre", r"we have received your", r"wij hebben uw .{0,20}ontvangen",
        r"(ist|sind) .{0,20}eingegangen", r"bien recu", r"no longer (in use|monitored|active)",
        r"niet meer in gebruik", r"nicht mehr (in gebrauch|aktiv)", r"n'est plus (utilise|active|consulte)",
    ),
    "deceased": (r"passed away", r"deceased", r"overleden", r"verstorben", r"decede"),
    "thanks_only": (r"^[^a-z]*(thanks|thank you|bedankt|dank je|danke|merci)\b",),
}

_NEG_BEFORE = re.compile(r"(\w+)\W+(?:\w+\W+){0,2}$")


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fold(p)})" for p in patterns))


CONCEPTS: dict[str, re.Pattern[str]] = {name: _compile(p) for name, p in _RAW.items()}


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 40) : start]
    clause = re.split(r"[.,;:!?\n]", window)[-1]
    return any(word in NEGATORS for word in re.findall(r"[a-z]+", clause)[-3:])


def concept_features(own_text: str) -> list[str]:
    """'r:c=<concept>' per concept found in the folded text, '!' when negated."""
    text = fold(own_text[:6000])
    found: set[str] = set()
    for name, pattern in CONCEPTS.items():
        for m in pattern.finditer(text):
            found.add(f"r:c={'!' if _negated(text, m.start()) else ''}{name}")
            if len(found) > 64:
                break
    return sorted(found)
