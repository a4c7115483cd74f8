"""Credit records (信用记录) on applicants: what a false pledge (告知承诺不实) leaves behind, for how long it
stands, and what it bars meanwhile (pledges for that item type). A low domain, so that the case domain can
refuse a barred pledge at submission without depending on the pledges domain that writes the records."""
