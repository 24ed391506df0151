from daemon.adapters.imap import ImapMailbox


def test_smoke(dovecot, dovecot_minimal):
    uid = dovecot.deliver(b"Subject: x\r\nMessage-ID: <m1@x>\r\n\r\nhello\r\n")
    mb = ImapMailbox.connect(dovecot.imap_settings())
    print(mb.capabilities(), mb._prefix, mb._delimiter)
    print(mb.select("INBOX"), mb.uids_after(0), mb.fetch([uid]))
    mb.move([uid], "dunmail/processed")
    print(dovecot.folders(), dovecot.uids("dunmail/processed"))
    print(mb.search_header("dunmail/processed", "Message-ID", "<m1@x>"))
    mb.logout()
    mb2 = ImapMailbox.connect(dovecot_minimal.imap_settings())
    print(mb2.capabilities())
