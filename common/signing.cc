// placeholder until the signing module lands
