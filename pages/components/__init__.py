"""UI pieces shared by pages; each takes the container it draws into."""
