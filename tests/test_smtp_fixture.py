from django.core.mail import send_mail


def test_it(smtp_server):
    send_mail("Hi", "Body", "a@example.com", ["b@example.com"])
    assert smtp_server.recipients() == {"b@example.com"}
    assert smtp_server.received[0].subject == "Hi"
    assert "Body" in smtp_server.received[0].text()
    smtp_server.stop()
    import pytest

    with pytest.raises(OSError):
        send_mail("Hi", "Body", "a@example.com", ["c@example.com"])
    smtp_server.start()
    send_mail("Hi2", "Body", "a@example.com", ["c@example.com"])
    assert len(smtp_server.to("c@example.com")) == 1
