"""The text of the PDFs the platform draws, read through WeasyPrint's document API: a PDF's
text is written as glyphs of embedded fonts, which no library of the project reads back, so
the text is taken from the laid-out document as it is written (every text box of every page,
and the title of its metadata)."""

from contextlib import contextmanager
from unittest import mock


def document_text(document):
    """All the text of a laid-out WeasyPrint document. Boxes are joined with nothing
    between them, so that a word broken across two lines is read whole."""
    from weasyprint.formatting_structure.boxes import TextBox

    parts = [document.metadata.title or ""]
    for page in document.pages:
        parts += [box.text for box in page._page_box.descendants() if isinstance(box, TextBox)]
    return "".join(parts)


@contextmanager
def written_pdf_texts():
    """While open: the list of the texts of the PDFs written, in order."""
    from weasyprint.document import Document

    texts = []
    write_pdf = Document.write_pdf

    def recording(self, *args, **kwargs):
        texts.append(document_text(self))
        return write_pdf(self, *args, **kwargs)

    with mock.patch.object(Document, "write_pdf", recording):
        yield texts
