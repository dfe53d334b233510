print("steiger")
