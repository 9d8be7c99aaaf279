"""Front ends of the leercultuurscan: Telegram and the terminal."""
